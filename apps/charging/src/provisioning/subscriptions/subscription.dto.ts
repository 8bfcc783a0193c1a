import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SUBSCRIPTION_STATUSES, type Subscription } from '@app/db/provisioning';
import type { DeletedSubscription } from './delete-subscription.usecase';
import { ID_MAX_LENGTH, ID_PATTERN, IMSI_PATTERN, MSISDN_PATTERN, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '../provisioning.limits';

export class CreateSubscriptionBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`sub_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ description: 'E.164 digits without "+"', pattern: MSISDN_PATTERN.source, example: '4915100000001' })
  @IsString()
  @Matches(MSISDN_PATTERN, { message: 'msisdn must be 5 to 15 digits without "+" or a leading zero' })
  msisdn!: string;

  @ApiProperty({ description: '15 digits', pattern: IMSI_PATTERN.source, example: '262010000000001' })
  @IsString()
  @Matches(IMSI_PATTERN, { message: 'imsi must be exactly 15 digits' })
  imsi!: string;

  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `accountId must match ${ID_PATTERN.source}` })
  accountId!: string;

  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `productId must match ${ID_PATTERN.source}` })
  productId!: string;
}

export class ListSubscriptionsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: the last subscription id of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `after must match ${ID_PATTERN.source}` })
  after?: string;
}

export class SubscriptionResponse {
  @ApiProperty() id!: string;
  @ApiProperty() msisdn!: string;
  @ApiProperty() imsi!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() productId!: string;
  @ApiPropertyOptional({
    enum: SUBSCRIPTION_STATUSES,
    description: 'Only ACTIVE subscriptions can charge; absent in the answer to a DELETE',
  })
  status?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class SubscriptionPage {
  @ApiProperty({ type: [SubscriptionResponse] }) items!: SubscriptionResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `after` for the next page; null on the last page' }) next!:
    string | null;
}

export function deletedSubscriptionResponse(s: DeletedSubscription): SubscriptionResponse {
  return { ...s };
}

export function subscriptionResponse(s: Subscription): SubscriptionResponse {
  return {
    id: s.id,
    msisdn: s.msisdn,
    imsi: s.imsi,
    accountId: s.account.id,
    productId: s.product.id,
    status: s.status,
    createdAt: s.createdAt.toISOString(),
  };
}

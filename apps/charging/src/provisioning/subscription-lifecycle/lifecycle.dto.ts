import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { LIFECYCLE_EVENT_KINDS, SUBSCRIPTION_STATUSES, type SubscriptionLifecycleEvent } from '@app/db/provisioning';
import { ID_PATTERN } from '../provisioning.limits';

export class ChangeProductBody {
  @ApiProperty({ pattern: ID_PATTERN.source, description: 'The product the subscription moves to, from now (mid-cycle)' })
  @IsString()
  @Matches(ID_PATTERN, { message: `productId must match ${ID_PATTERN.source}` })
  productId!: string;
}

export class LifecycleEventResponse {
  @ApiProperty() id!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty({ enum: LIFECYCLE_EVENT_KINDS }) kind!: string;
  @ApiProperty({ format: 'date-time' }) effectiveAt!: string;
  @ApiProperty({ format: 'date', description: 'The date of effectiveAt in the account time zone' }) effectiveLocalDate!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ nullable: true, type: String }) fromProductId!: string | null;
  @ApiProperty({ nullable: true, type: String }) toProductId!: string | null;
}

export class LifecycleChangeResponse {
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES }) status!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({ type: LifecycleEventResponse }) event!: LifecycleEventResponse;
}

export class LifecycleEventListResponse {
  @ApiProperty({ type: [LifecycleEventResponse] }) items!: LifecycleEventResponse[];
}

export function lifecycleEventResponse(e: SubscriptionLifecycleEvent): LifecycleEventResponse {
  return {
    id: e.id,
    subscriptionId: e.subscriptionId,
    accountId: e.accountId,
    kind: e.kind,
    effectiveAt: e.effectiveAt.toISOString(),
    effectiveLocalDate: e.effectiveLocalDate,
    timeZone: e.timeZone,
    fromProductId: e.fromProductId ?? null,
    toProductId: e.toProductId ?? null,
  };
}

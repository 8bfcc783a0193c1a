import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import type { TopUp } from '@app/db/provisioning';
import { IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN } from '../provisioning.limits';
import { MoneyView, moneyView } from '../shared/money-view';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

export class CreateTopUpBody {
  @ApiProperty({ description: 'Decimal string in currency units, > 0, at most 6 decimals (never a JSON number)', example: '5.00' })
  @IsString()
  amount!: string;

  @ApiPropertyOptional({
    description: 'Alternative to the Idempotency-Key header (they must agree when both are sent)',
    maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY_PATTERN, {
    message: `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters without "|"`,
  })
  idempotencyKey?: string;
}

export class TopUpResponse {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty({ type: MoneyView }) amount!: MoneyView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function topUpResponse(t: TopUp, currency: string): TopUpResponse {
  return {
    id: t.id,
    accountId: t.account.id,
    idempotencyKey: t.idempotencyKey,
    amount: moneyView(t.amountMicros, currency),
    createdAt: t.createdAt.toISOString(),
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import type { TopUp } from '@app/db/provisioning';
import { ID_PATTERN, IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN } from '../provisioning.limits';
import { IdParam } from '../shared/params';
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

/** Path parameters of a top-up of an account. */
export class TopUpIdParams extends IdParam {
  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `topUpId must match ${ID_PATTERN.source}` })
  topUpId!: string;
}

export class ReverseTopUpBody {
  @ApiPropertyOptional({
    description: 'Decimal string in currency units, > 0, at most the top-up (a partial chargeback); absent: the whole top-up',
    example: '5.00',
  })
  @IsOptional()
  @IsString()
  amount?: string;
}

export class TopUpResponse {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty({ type: MoneyView, description: 'Negative for a reversal' }) amount!: MoneyView;
  @ApiProperty({ nullable: true, type: String, description: 'The top-up this one takes back; null for a top-up' })
  reversesTopUpId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function topUpResponse(t: TopUp, currency: string): TopUpResponse {
  return {
    id: t.id,
    accountId: t.account.id,
    idempotencyKey: t.idempotencyKey,
    amount: moneyView(t.amountMicros, currency),
    reversesTopUpId: t.reversesTopUp?.id ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}

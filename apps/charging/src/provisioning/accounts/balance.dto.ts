import { ApiProperty } from '@nestjs/swagger';
import { ACCOUNT_STATUSES, type BalanceView } from '../../balance/balance-engine.port';
import { MoneyView, moneyView } from '../shared/money-view';

export class BucketResponse {
  @ApiProperty() bucketId!: string;
  @ApiProperty({ enum: ['SECONDS', 'BYTES', 'EVENTS'] }) unit!: string;
  @ApiProperty({ type: [Number], description: 'Empty: every rating group of the unit' }) ratingGroups!: number[];
  @ApiProperty() totalUnits!: number;
  @ApiProperty() remainingUnits!: number;
  @ApiProperty() reservedUnits!: number;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class ReservationResponse {
  @ApiProperty() sessionId!: string;
  @ApiProperty() ratingGroup!: number;
  @ApiProperty() units!: number;
  @ApiProperty({ type: MoneyView }) reserved!: MoneyView;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class BalanceResponse {
  @ApiProperty() accountId!: string;
  @ApiProperty({ enum: ['PREPAID', 'POSTPAID'] }) type!: string;
  @ApiProperty({ enum: ACCOUNT_STATUSES }) status!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: MoneyView }) balance!: MoneyView;
  @ApiProperty({ type: MoneyView, description: 'Held by open reservations' }) reserved!: MoneyView;
  @ApiProperty({ type: MoneyView }) creditLimit!: MoneyView;
  @ApiProperty({ type: MoneyView, description: 'balance - reserved (+ credit limit when postpaid)' }) available!: MoneyView;
  @ApiProperty({ type: [BucketResponse] }) buckets!: BucketResponse[];
  @ApiProperty({ type: [ReservationResponse] }) reservations!: ReservationResponse[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function balanceResponse(v: BalanceView): BalanceResponse {
  const money = (micros: bigint) => moneyView(micros, v.currency);
  return {
    accountId: v.accountId,
    type: v.type,
    status: v.status,
    currency: v.currency,
    balance: money(v.balanceMicros),
    reserved: money(v.reservedMicros),
    creditLimit: money(v.creditLimitMicros),
    available: money(v.availableMicros),
    buckets: v.buckets.map((b) => ({
      bucketId: b.bucketId,
      unit: b.unit,
      ratingGroups: [...b.ratingGroups],
      totalUnits: b.totalUnits,
      remainingUnits: b.remainingUnits,
      reservedUnits: b.reservedUnits,
      validFrom: iso(b.validFromMs),
      expiresAt: iso(b.expiresAtMs),
    })),
    reservations: v.reservations.map((r) => ({
      sessionId: r.sessionId,
      ratingGroup: r.ratingGroup,
      units: r.units,
      reserved: money(r.reservedMicros),
      expiresAt: iso(r.expiresAtMs),
    })),
  };
}

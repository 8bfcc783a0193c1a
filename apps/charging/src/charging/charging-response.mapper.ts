/** Use-case answers -> charging.v1 response messages. Pure functions, no rules. */
import {
  AccountStatus,
  AccountType,
  AllowanceBucket,
  FinalUnitAction,
  GetBalanceResponse,
  Money,
  Reservation,
  ResultCode,
  ServiceCreditResult,
  StartSessionResponse,
  UnitType,
} from '@app/proto';
import type { UsageUnit } from '@app/rating';
import type {
  AccountStatus as EngineAccountStatus,
  AccountType as EngineAccountType,
  BalanceView,
  RatingGroupResult,
  ResultCode as EngineResultCode,
} from '../balance/balance-engine.port';
import type { SessionRequestCommand } from './commands/session-request.command';
import type { Amount, SessionAnswer } from './usecases/session-charging';

const RESULT_CODES: Record<EngineResultCode, ResultCode> = {
  SUCCESS: ResultCode.SUCCESS,
  CREDIT_LIMIT_REACHED: ResultCode.CREDIT_LIMIT_REACHED,
  END_USER_SERVICE_DENIED: ResultCode.END_USER_SERVICE_DENIED,
  USER_UNKNOWN: ResultCode.USER_UNKNOWN,
  RATING_FAILED: ResultCode.RATING_FAILED,
  UNKNOWN_SESSION: ResultCode.UNKNOWN_SESSION,
  NOT_FOUND: ResultCode.UNKNOWN_EVENT,
};

const UNIT_TYPES: Record<UsageUnit | 'MONEY', UnitType> = {
  SECONDS: UnitType.SECONDS,
  BYTES: UnitType.BYTES,
  EVENTS: UnitType.EVENTS,
  MONEY: UnitType.MONEY,
};

const ACCOUNT_TYPES: Record<EngineAccountType, AccountType> = { PREPAID: AccountType.PREPAID, POSTPAID: AccountType.POSTPAID };
const ACCOUNT_STATUSES: Record<EngineAccountStatus, AccountStatus> = {
  ACTIVE: AccountStatus.ACTIVE,
  SOFT_BARRED: AccountStatus.SOFT_BARRED,
  BARRED: AccountStatus.BARRED,
  CLOSED: AccountStatus.CLOSED,
};

export function resultCode(code: EngineResultCode): ResultCode {
  return RESULT_CODES[code] ?? ResultCode.UNSPECIFIED;
}

export function unitType(unit: UsageUnit | 'MONEY'): UnitType {
  return UNIT_TYPES[unit] ?? UnitType.UNSPECIFIED;
}

export function money(micros: bigint, currency: string): Money {
  return { amountMicros: micros, currencyCode: currency };
}

/** Money of an optional amount (absent when the subscriber was unknown). */
export function moneyOf(a: Amount | undefined): Money | undefined {
  return a ? money(a.micros, a.currency) : undefined;
}

function serviceCreditResult(r: RatingGroupResult, currency: string): ServiceCreditResult {
  return {
    ratingGroup: r.ratingGroup,
    resultCode: resultCode(r.resultCode),
    unit: unitType(r.unit),
    grantedUnits: BigInt(r.grantedUnits),
    validityTimeMs: r.validityMs,
    finalUnitIndication: r.finalUnitAction === 'TERMINATE' ? { action: FinalUnitAction.TERMINATE } : undefined,
    debitedUnits: BigInt(r.debitedUnits),
    allowanceUnits: BigInt(r.allowanceUnits),
    debitedAmount: money(r.debitedMicros, currency),
    reservedAmount: money(r.reservedMicros, currency),
  };
}

/** The three session responses share this shape. */
export function sessionResponse(command: SessionRequestCommand, answer: SessionAnswer): StartSessionResponse {
  const currency = answer.balance?.currency ?? '';
  return {
    sessionId: command.sessionId,
    requestNumber: command.requestNumber,
    resultCode: resultCode(answer.resultCode),
    services: answer.ratingGroups.map((r) => serviceCreditResult(r, currency)),
    balance: moneyOf(answer.balance),
  };
}

export function getBalanceResponse(view: BalanceView | undefined): GetBalanceResponse {
  if (!view) {
    return {
      resultCode: ResultCode.USER_UNKNOWN,
      accountId: '',
      accountType: AccountType.UNSPECIFIED,
      accountStatus: AccountStatus.UNSPECIFIED,
      buckets: [],
      reservations: [],
    };
  }
  const m = (micros: bigint) => money(micros, view.currency);
  return {
    resultCode: ResultCode.SUCCESS,
    accountId: view.accountId,
    accountType: ACCOUNT_TYPES[view.type] ?? AccountType.UNSPECIFIED,
    accountStatus: ACCOUNT_STATUSES[view.status] ?? AccountStatus.UNSPECIFIED,
    balance: m(view.balanceMicros),
    reserved: m(view.reservedMicros),
    creditLimit: m(view.creditLimitMicros),
    available: m(view.availableMicros),
    buckets: view.buckets.map((b): AllowanceBucket => ({
      bucketId: b.bucketId,
      unit: unitType(b.unit),
      ratingGroups: [...b.ratingGroups],
      totalUnits: BigInt(b.totalUnits),
      remainingUnits: BigInt(b.remainingUnits),
      reservedUnits: BigInt(b.reservedUnits),
      validFrom: new Date(b.validFromMs),
      expiresAt: new Date(b.expiresAtMs),
    })),
    reservations: view.reservations.map((r): Reservation => ({
      sessionId: r.sessionId,
      ratingGroup: r.ratingGroup,
      units: BigInt(r.units),
      reservedAmount: m(r.reservedMicros),
      expiresAt: new Date(r.expiresAtMs),
    })),
  };
}

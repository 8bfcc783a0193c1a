/**
 * Field rules shared by the charging commands. Each rule returns the clean value or throws an
 * InvalidArgumentError naming the field (README "Identifiers" for the id formats).
 */
import { CALLED_NUMBER_MAX_LENGTH, type UsageUnit } from '@app/rating';
import { ServiceUnits, SubscriberId, UnitType, UserLocation } from '@app/proto';
import { EVENT_TIME_AGE_MAX_MS, EVENT_TIME_AHEAD_MAX_MS, ID_MAX_LENGTH, UNITS_PER_REQUEST_MAX } from '../charging.limits';
import { InvalidArgumentError } from './invalid-argument.error';

const MSISDN_PATTERN = /^[0-9]{5,15}$/;
const IMSI_PATTERN = /^[0-9]{15}$/;
const PLMN_ID_PATTERN = /^[0-9]{5,6}$/;
/** Same rule as @app/rating: digits, optional leading "+" (routing prefixes make numbers longer than E.164). */
const CALLED_NUMBER_PATTERN = new RegExp(`^(?=.{1,${CALLED_NUMBER_MAX_LENGTH}}$)\\+?[0-9]+$`);
/** Printable ASCII without space and without "|" (the engine's key separator). */
const ID_CHARS_PATTERN = /^[\x21-\x7b\x7d\x7e]+$/;

const USAGE_UNITS: ReadonlyMap<number, UsageUnit> = new Map([
  [UnitType.SECONDS, 'SECONDS'],
  [UnitType.BYTES, 'BYTES'],
  [UnitType.EVENTS, 'EVENTS'],
]);

/** The where-and-when of a request that rating needs. */
export interface RatingContext {
  subscriberId: string;
  /** E.164 digits of the called party, when the request named one. */
  calledNumber?: string;
  roaming: boolean;
  /** The request's event_time; absent means "now" (the use case asks the clock). */
  eventTimeMs?: number;
}

/** A session id or request id: 1 to 128 printable ASCII characters without "|". */
export function clientId(field: string, value: string): string {
  if (value.length === 0) throw new InvalidArgumentError(field, 'is required');
  if (value.length > ID_MAX_LENGTH)
    throw new InvalidArgumentError(field, `must be at most ${ID_MAX_LENGTH} characters, got ${value.length}`);
  if (!ID_CHARS_PATTERN.test(value)) throw new InvalidArgumentError(field, 'must be printable ASCII (0x21-0x7e) without "|"');
  return value;
}

/** The engine's subscriber id: the MSISDN or IMSI digits. */
export function subscriberId(field: string, sub: SubscriberId | undefined): string {
  if (!sub || (sub.msisdn === undefined && sub.imsi === undefined)) throw new InvalidArgumentError(field, 'is required (msisdn or imsi)');
  if (sub.msisdn !== undefined && sub.imsi !== undefined) throw new InvalidArgumentError(field, 'set exactly one of msisdn, imsi');
  if (sub.msisdn !== undefined) {
    if (!MSISDN_PATTERN.test(sub.msisdn)) throw new InvalidArgumentError(`${field}.msisdn`, 'must be 5 to 15 digits (E.164 without "+")');
    return sub.msisdn;
  }
  const imsi = sub.imsi as string;
  if (!IMSI_PATTERN.test(imsi)) throw new InvalidArgumentError(`${field}.imsi`, 'must be exactly 15 digits');
  return imsi;
}

/** A proto3 `optional` scalar that the API requires. */
export function required<T>(field: string, value: T | undefined): T {
  if (value === undefined) throw new InvalidArgumentError(field, 'is required');
  return value;
}

/** A unit count within [min, UNITS_PER_REQUEST_MAX], as a number (exact: the bound is below 2^53). */
export function units(field: string, value: bigint, min: 0 | 1): number {
  if (value < BigInt(min) || value > BigInt(UNITS_PER_REQUEST_MAX)) {
    throw new InvalidArgumentError(field, `must be between ${min} and ${UNITS_PER_REQUEST_MAX}, got ${value}`);
  }
  return Number(value);
}

/** The unit a request counts in; undefined when unspecified (the rate decides). */
export function requestUnit(field: string, value: UnitType): UsageUnit | undefined {
  if (value === UnitType.UNSPECIFIED) return undefined;
  if (value === UnitType.MONEY) throw new InvalidArgumentError(field, 'UNIT_TYPE_MONEY is not accepted in requests');
  const unit = USAGE_UNITS.get(value);
  if (!unit) throw new InvalidArgumentError(field, `unknown UnitType value ${value}`);
  return unit;
}

/** event_time, bounded around now; undefined when absent. */
export function eventTimeMs(field: string, value: Date | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(field, 'is not a valid timestamp');
  if (ms < nowMs - EVENT_TIME_AGE_MAX_MS) throw new InvalidArgumentError(field, `must not be older than ${EVENT_TIME_AGE_MAX_MS} ms`);
  if (ms > nowMs + EVENT_TIME_AHEAD_MAX_MS)
    throw new InvalidArgumentError(field, `must not be more than ${EVENT_TIME_AHEAD_MAX_MS} ms in the future`);
  return ms;
}

/** The rating context of a request: subscriber, called number, roaming flag, event time. */
export function ratingContext(
  input: { subscriber?: SubscriberId; calledNumber: string; location?: UserLocation; eventTime?: Date },
  nowMs: number,
): RatingContext {
  const context: RatingContext = { subscriberId: subscriberId('subscriber', input.subscriber), roaming: input.location?.roaming ?? false };
  if (input.calledNumber !== '') {
    if (!CALLED_NUMBER_PATTERN.test(input.calledNumber)) {
      throw new InvalidArgumentError(
        'called_number',
        `must be digits with an optional leading "+", at most ${CALLED_NUMBER_MAX_LENGTH} characters`,
      );
    }
    context.calledNumber = input.calledNumber;
  }
  const plmn = input.location?.servingPlmnId ?? '';
  if (plmn !== '' && !PLMN_ID_PATTERN.test(plmn))
    throw new InvalidArgumentError('location.serving_plmn_id', 'must be 5 or 6 digits (MCC + MNC)');
  const at = eventTimeMs('event_time', input.eventTime, nowMs);
  if (at !== undefined) context.eventTimeMs = at;
  return context;
}

/** The single service of a one-shot request (DebitEvent, CheckBalance, PriceEnquiry). */
export interface ServiceUsage {
  ratingGroup: number;
  serviceId: number;
  units: number;
  unit?: UsageUnit;
}

export function serviceUsage(field: string, service: ServiceUnits | undefined): ServiceUsage {
  const s = required(field, service);
  const usage: ServiceUsage = {
    ratingGroup: required(`${field}.rating_group`, s.ratingGroup),
    serviceId: s.serviceId,
    units: units(`${field}.units`, s.units, 1),
  };
  const unit = requestUnit(`${field}.unit`, s.unit);
  if (unit) usage.unit = unit;
  return usage;
}

/**
 * The commands of the three session RPCs (CCR-Initial/Update/Termination). They share one shape
 * and differ in a few rules: a start asks for quota and reports nothing, a terminate asks for none.
 */
import type { UsageUnit } from '@app/rating';
import type { ServiceCreditRequest, StartSessionRequest } from '@app/proto';
import { RATING_GROUPS_PER_REQUEST_MAX } from '../charging.limits';
import { clientId, RatingContext, ratingContext, requestUnit, required, units } from './field-rules';
import { InvalidArgumentError } from './invalid-argument.error';

export type SessionKind = 'START' | 'UPDATE' | 'TERMINATE';

/** What a session request carries; the three RPC request messages all have this shape. */
export type SessionRequestInput = StartSessionRequest;

/** One rating group of a session request (Multiple-Services-Credit-Control). */
export interface ServiceCredit {
  ratingGroup: number;
  serviceId: number;
  requestedUnits: number;
  usedUnits: number;
  /** Unit the client counts in; undefined = the rate's unit. */
  unit?: UsageUnit;
}

interface KindRules {
  /** Smallest number of rating groups. */
  servicesMin: number;
  requestNumber: (n: number) => string | undefined;
  service: (s: ServiceCredit) => { field: 'requested_units' | 'used_units'; reason: string } | undefined;
}

const RULES: Record<SessionKind, KindRules> = {
  START: {
    servicesMin: 1,
    requestNumber: (n) => (n === 0 ? undefined : `must be 0 in StartSession, got ${n}`),
    service: (s) =>
      s.requestedUnits === 0
        ? { field: 'requested_units', reason: 'must be positive in StartSession' }
        : s.usedUnits !== 0
          ? { field: 'used_units', reason: 'must be 0 in StartSession' }
          : undefined,
  },
  UPDATE: {
    servicesMin: 1,
    requestNumber: (n) => (n >= 1 ? undefined : 'must be at least 1 after StartSession'),
    service: () => undefined,
  },
  TERMINATE: {
    servicesMin: 0,
    requestNumber: (n) => (n >= 1 ? undefined : 'must be at least 1 after StartSession'),
    service: (s) => (s.requestedUnits !== 0 ? { field: 'requested_units', reason: 'must be 0 in TerminateSession' } : undefined),
  },
};

export class SessionRequestCommand {
  private constructor(
    readonly kind: SessionKind,
    readonly sessionId: string,
    readonly requestNumber: number,
    readonly context: RatingContext,
    readonly services: readonly ServiceCredit[],
  ) {}

  /** Validates `input` for an RPC of `kind`; throws InvalidArgumentError naming the first bad field. */
  static create(kind: SessionKind, input: SessionRequestInput, nowMs: number): SessionRequestCommand {
    const rules = RULES[kind];
    const sessionId = clientId('session_id', input.sessionId);
    const requestNumber = required('request_number', input.requestNumber);
    const badNumber = rules.requestNumber(requestNumber);
    if (badNumber) throw new InvalidArgumentError('request_number', badNumber);
    const context = ratingContext(input, nowMs);
    const services = serviceCredits(input.services, rules);
    return new SessionRequestCommand(kind, sessionId, requestNumber, context, services);
  }
}

function serviceCredits(list: ServiceCreditRequest[], rules: KindRules): ServiceCredit[] {
  if (list.length < rules.servicesMin) throw new InvalidArgumentError('services', `must hold at least ${rules.servicesMin} rating group`);
  if (list.length > RATING_GROUPS_PER_REQUEST_MAX) {
    throw new InvalidArgumentError('services', `must hold at most ${RATING_GROUPS_PER_REQUEST_MAX} rating groups, got ${list.length}`);
  }
  const seen = new Set<number>();
  return list.map((s, i) => {
    const credit = serviceCredit(`services[${i}]`, s);
    if (seen.has(credit.ratingGroup))
      throw new InvalidArgumentError(`services[${i}].rating_group`, `${credit.ratingGroup} appears more than once`);
    seen.add(credit.ratingGroup);
    const bad = rules.service(credit);
    if (bad) throw new InvalidArgumentError(`services[${i}].${bad.field}`, bad.reason);
    return credit;
  });
}

function serviceCredit(field: string, s: ServiceCreditRequest): ServiceCredit {
  const credit: ServiceCredit = {
    ratingGroup: required(`${field}.rating_group`, s.ratingGroup),
    serviceId: s.serviceId,
    requestedUnits: units(`${field}.requested_units`, s.requestedUnits, 0),
    usedUnits: units(`${field}.used_units`, s.usedUnits, 0),
  };
  const unit = requestUnit(`${field}.unit`, s.unit);
  if (unit) credit.unit = unit;
  return credit;
}

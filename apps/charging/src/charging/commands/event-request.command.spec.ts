import { DebitEventRequest, UnitType } from '@app/proto';
import { UNITS_PER_REQUEST_MAX } from '../charging.limits';
import { DebitEventCommand, GetBalanceCommand, RefundEventCommand, ServiceEnquiryCommand } from './event-request.command';
import { InvalidArgumentError } from './invalid-argument.error';

const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

function debit(overrides: Partial<DebitEventRequest> = {}): DebitEventRequest {
  return {
    requestId: 'smsc-1:msg-778',
    subscriber: { msisdn: '491701234567' },
    calledNumber: '447700900123',
    service: { ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
    ...overrides,
  };
}

function failure(create: () => unknown): string {
  try {
    create();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('DebitEventCommand', () => {
  it('accepts a well-formed debit', () => {
    expect(DebitEventCommand.create(debit(), NOW_MS)).toMatchObject({
      requestId: 'smsc-1:msg-778',
      context: { subscriberId: '491701234567', calledNumber: '447700900123', roaming: false },
      service: { ratingGroup: 30, serviceId: 0, units: 1, unit: 'EVENTS' },
    });
  });

  const svc = (o: object) => ({ ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS, ...o });
  it.each([
    ['missing request id', { requestId: '' }, 'request_id: is required'],
    ['request id with "|"', { requestId: 'a|b' }, 'request_id: must be printable ASCII'],
    ['missing service', { service: undefined }, 'service: is required'],
    ['missing rating group', { service: svc({ ratingGroup: undefined }) }, 'service.rating_group: is required'],
    ['zero units', { service: svc({ units: 0n }) }, `service.units: must be between 1 and ${UNITS_PER_REQUEST_MAX}, got 0`],
    ['negative units', { service: svc({ units: -3n }) }, 'service.units: must be between 1 and'],
    ['huge units', { service: svc({ units: 2n ** 62n }) }, 'service.units: must be between 1 and'],
    ['unknown unit', { service: svc({ unit: 9 as UnitType }) }, 'service.unit: unknown UnitType value 9'],
    ['missing subscriber', { subscriber: undefined }, 'subscriber: is required'],
  ] as Array<[string, Partial<DebitEventRequest>, string]>)('refuses %s', (_name, overrides, message) => {
    expect(failure(() => DebitEventCommand.create(debit(overrides), NOW_MS))).toContain(message);
  });
});

describe('RefundEventCommand', () => {
  const refund = { requestId: 'refund-1', debitRequestId: 'smsc-1:msg-778', subscriber: { msisdn: '491701234567' } };

  it('accepts a well-formed refund', () => {
    expect(RefundEventCommand.create(refund)).toEqual({
      requestId: 'refund-1',
      debitRequestId: 'smsc-1:msg-778',
      subscriberId: '491701234567',
    });
  });

  it.each([
    ['missing debit request id', { debitRequestId: '' }, 'debit_request_id: is required'],
    ['refund of itself', { debitRequestId: 'refund-1' }, 'debit_request_id: must differ from request_id'],
    ['missing request id', { requestId: '' }, 'request_id: is required'],
  ])('refuses %s', (_name, overrides, message) => {
    expect(failure(() => RefundEventCommand.create({ ...refund, ...overrides }))).toContain(message);
  });
});

describe('ServiceEnquiryCommand and GetBalanceCommand', () => {
  it('accept well-formed requests', () => {
    const enquiry = ServiceEnquiryCommand.create(
      { subscriber: { imsi: '262011234567890' }, calledNumber: '', service: debit().service },
      NOW_MS,
    );
    expect(enquiry.service.units).toBe(1);
    expect(GetBalanceCommand.create({ subscriber: { msisdn: '491701234567' } }).subscriberId).toBe('491701234567');
  });

  it('refuse a missing subscriber or service', () => {
    expect(failure(() => GetBalanceCommand.create({}))).toBe('subscriber: is required (msisdn or imsi)');
    expect(failure(() => ServiceEnquiryCommand.create({ subscriber: { msisdn: '491701234567' }, calledNumber: '' }, NOW_MS))).toBe(
      'service: is required',
    );
  });
});

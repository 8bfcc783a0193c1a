import { StartSessionRequest, UnitType } from '@app/proto';
import { RATING_GROUPS_PER_REQUEST_MAX, UNITS_PER_REQUEST_MAX } from '../charging.limits';
import { InvalidArgumentError } from './invalid-argument.error';
import { SessionKind, SessionRequestCommand } from './session-request.command';

const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

function request(overrides: Partial<StartSessionRequest> = {}): StartSessionRequest {
  return {
    sessionId: 'pgw1;1732270000;42',
    requestNumber: 0,
    subscriber: { msisdn: '491701234567' },
    calledNumber: '',
    services: [{ ratingGroup: 20, serviceId: 0, requestedUnits: 1_000_000n, usedUnits: 0n, unit: UnitType.BYTES }],
    ...overrides,
  };
}

function failure(kind: SessionKind, req: StartSessionRequest): string {
  try {
    SessionRequestCommand.create(kind, req, NOW_MS);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('SessionRequestCommand', () => {
  it('accepts a well-formed start and normalises it', () => {
    const cmd = SessionRequestCommand.create(
      'START',
      request({ calledNumber: '+4930123', location: { roaming: true, servingPlmnId: '20801' } }),
      NOW_MS,
    );
    expect(cmd).toMatchObject({
      kind: 'START',
      sessionId: 'pgw1;1732270000;42',
      requestNumber: 0,
      context: { subscriberId: '491701234567', calledNumber: '+4930123', roaming: true },
      services: [{ ratingGroup: 20, serviceId: 0, requestedUnits: 1_000_000, usedUnits: 0, unit: 'BYTES' }],
    });
    expect(cmd.context.eventTimeMs).toBeUndefined();
  });

  it('accepts an IMSI, an event time within bounds and unspecified units', () => {
    const eventTime = new Date(NOW_MS - 60_000);
    const services = [{ ratingGroup: 10, serviceId: 7, requestedUnits: 0n, usedUnits: 30n, unit: UnitType.UNSPECIFIED }];
    const cmd = SessionRequestCommand.create(
      'UPDATE',
      request({ requestNumber: 1, subscriber: { imsi: '262011234567890' }, eventTime, services }),
      NOW_MS,
    );
    expect(cmd.context).toEqual({ subscriberId: '262011234567890', roaming: false, eventTimeMs: NOW_MS - 60_000 });
    expect(cmd.services[0]).toEqual({ ratingGroup: 10, serviceId: 7, requestedUnits: 0, usedUnits: 30 });
  });

  it('allows a terminate without rating groups', () => {
    expect(SessionRequestCommand.create('TERMINATE', request({ requestNumber: 3, services: [] }), NOW_MS).services).toEqual([]);
  });

  const svc = (o: object) => ({ ratingGroup: 20, serviceId: 0, requestedUnits: 100n, usedUnits: 0n, unit: UnitType.BYTES, ...o });
  const cases: Array<[string, SessionKind, Partial<StartSessionRequest>, string]> = [
    ['missing session id', 'START', { sessionId: '' }, 'session_id: is required'],
    ['session id with "|"', 'START', { sessionId: 'a|b' }, 'session_id: must be printable ASCII (0x21-0x7e) without "|"'],
    ['session id with a space', 'START', { sessionId: 'a b' }, 'session_id: must be printable ASCII'],
    ['session id too long', 'START', { sessionId: 'x'.repeat(129) }, 'session_id: must be at most 128 characters, got 129'],
    ['missing request number', 'START', { requestNumber: undefined }, 'request_number: is required'],
    ['start with request number 1', 'START', { requestNumber: 1 }, 'request_number: must be 0 in StartSession, got 1'],
    ['update with request number 0', 'UPDATE', { requestNumber: 0 }, 'request_number: must be at least 1 after StartSession'],
    ['missing subscriber', 'START', { subscriber: undefined }, 'subscriber: is required (msisdn or imsi)'],
    ['empty subscriber', 'START', { subscriber: {} }, 'subscriber: is required (msisdn or imsi)'],
    [
      'both ids',
      'START',
      { subscriber: { msisdn: '491701234567', imsi: '262011234567890' } },
      'subscriber: set exactly one of msisdn, imsi',
    ],
    ['short msisdn', 'START', { subscriber: { msisdn: '1234' } }, 'subscriber.msisdn: must be 5 to 15 digits'],
    ['msisdn with +', 'START', { subscriber: { msisdn: '+491701234567' } }, 'subscriber.msisdn: must be 5 to 15 digits'],
    ['14-digit imsi', 'START', { subscriber: { imsi: '26201123456789' } }, 'subscriber.imsi: must be exactly 15 digits'],
    ['letters in called number', 'START', { calledNumber: '49abc' }, 'called_number: must be digits'],
    ['bad plmn', 'START', { location: { roaming: true, servingPlmnId: '2080' } }, 'location.serving_plmn_id: must be 5 or 6 digits'],
    [
      'event time far in the future',
      'START',
      { eventTime: new Date(NOW_MS + 3_600_000) },
      'event_time: must not be more than 300000 ms in the future',
    ],
    ['event time too old', 'START', { eventTime: new Date(NOW_MS - 2 * 86_400_000) }, 'event_time: must not be older than 86400000 ms'],
    ['invalid event time', 'START', { eventTime: new Date(Number.NaN) }, 'event_time: is not a valid timestamp'],
    ['no services at start', 'START', { services: [] }, 'services: must hold at least 1 rating group'],
    ['no services at update', 'UPDATE', { requestNumber: 1, services: [] }, 'services: must hold at least 1 rating group'],
    [
      'too many services',
      'START',
      { services: Array.from({ length: RATING_GROUPS_PER_REQUEST_MAX + 1 }, (_, i) => svc({ ratingGroup: i })) },
      `services: must hold at most ${RATING_GROUPS_PER_REQUEST_MAX} rating groups, got ${RATING_GROUPS_PER_REQUEST_MAX + 1}`,
    ],
    [
      'duplicate rating group',
      'START',
      { services: [svc({}), svc({ serviceId: 2 })] },
      'services[1].rating_group: 20 appears more than once',
    ],
    ['missing rating group', 'START', { services: [svc({ ratingGroup: undefined })] }, 'services[0].rating_group: is required'],
    [
      'negative requested units',
      'START',
      { services: [svc({ requestedUnits: -1n })] },
      `services[0].requested_units: must be between 0 and ${UNITS_PER_REQUEST_MAX}, got -1`,
    ],
    [
      'huge used units',
      'UPDATE',
      { requestNumber: 1, services: [svc({ usedUnits: BigInt(UNITS_PER_REQUEST_MAX) + 1n })] },
      `services[0].used_units: must be between 0 and ${UNITS_PER_REQUEST_MAX}, got ${UNITS_PER_REQUEST_MAX + 1}`,
    ],
    [
      'start asking nothing',
      'START',
      { services: [svc({ requestedUnits: 0n })] },
      'services[0].requested_units: must be positive in StartSession',
    ],
    ['start reporting usage', 'START', { services: [svc({ usedUnits: 5n })] }, 'services[0].used_units: must be 0 in StartSession'],
    [
      'terminate asking quota',
      'TERMINATE',
      { requestNumber: 2, services: [svc({ usedUnits: 5n })] },
      'services[0].requested_units: must be 0 in TerminateSession',
    ],
    ['unknown unit', 'START', { services: [svc({ unit: 42 as UnitType })] }, 'services[0].unit: unknown UnitType value 42'],
    ['money unit', 'START', { services: [svc({ unit: UnitType.MONEY })] }, 'services[0].unit: UNIT_TYPE_MONEY is not accepted in requests'],
  ];

  it.each(cases)('refuses %s', (_name, kind, overrides, message) => {
    expect(failure(kind, request({ requestNumber: kind === 'START' ? 0 : 1, ...overrides }))).toContain(message);
  });
});

import { createHash } from 'node:crypto';
import { UnitType } from '@app/proto';
import { DebitEventCommand, RefundEventCommand } from './commands/event-request.command';
import { SessionRequestCommand } from './commands/session-request.command';
import { canonicalJson, requestHash } from './request-hash';

describe('requestHash', () => {
  it('does not depend on key order and leaves undefined out', () => {
    expect(canonicalJson({ b: 1, a: [2n, 'x'], c: undefined })).toBe('{"a":["2","x"],"b":1}');
    expect(requestHash('DebitEvent', { a: 1, b: { c: 2 } })).toBe(requestHash('DebitEvent', { b: { c: 2 }, a: 1 }));
  });

  it('differs by RPC and by content', () => {
    const h = requestHash('DebitEvent', { a: 1 });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash('CheckBalance', { a: 1 })).not.toBe(h);
    expect(requestHash('DebitEvent', { a: 2 })).not.toBe(h);
  });
});

/** The serialiser as first written (filter/sort/map/join): fingerprints already stored were made with it. */
function referenceCanonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => referenceCanonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const entries = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${referenceCanonicalJson(obj[k])}`);
  return `{${entries.join(',')}}`;
}

function referenceRequestHash(rpc: string, command: object): string {
  return createHash('sha256').update(rpc).update('\n').update(referenceCanonicalJson(command)).digest('hex');
}

describe('requestHash is byte for byte the original fingerprint', () => {
  const nowMs = Date.UTC(2026, 10, 22, 1, 0);
  const commands: Array<[string, object]> = [
    [
      'StartSession',
      SessionRequestCommand.create(
        'START',
        {
          sessionId: 'sess-"quoted"\\back\\slash~',
          requestNumber: 0,
          subscriber: { msisdn: '4915100000001' },
          calledNumber: '+4930123456',
          location: { roaming: true, servingPlmnId: '26201' },
          eventTime: new Date(nowMs - 1_000),
          services: [
            { ratingGroup: 10, serviceId: 0, requestedUnits: 60n, usedUnits: 0n, unit: UnitType.SECONDS },
            { ratingGroup: 20, serviceId: 7, requestedUnits: 10_000_000_000_000n, usedUnits: 0n, unit: UnitType.UNSPECIFIED },
          ],
        },
        nowMs,
      ),
    ],
    [
      'TerminateSession',
      SessionRequestCommand.create(
        'TERMINATE',
        { sessionId: 's', requestNumber: 9, subscriber: { imsi: '262011234567890' }, calledNumber: '', services: [] },
        nowMs,
      ),
    ],
    [
      'DebitEvent',
      DebitEventCommand.create(
        {
          requestId: 'r-1',
          subscriber: { msisdn: '4915100000002' },
          calledNumber: '',
          service: { ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
        },
        nowMs,
      ),
    ],
    ['RefundEvent', RefundEventCommand.create({ requestId: 'r-2', debitRequestId: 'r-1', subscriber: { msisdn: '4915100000002' } })],
  ];

  it.each(commands)('%s commands', (rpc, command) => {
    expect(canonicalJson(command as never)).toBe(referenceCanonicalJson(command));
    expect(requestHash(rpc, command)).toBe(referenceRequestHash(rpc, command));
  });

  it('every kind of value, nested, with keys needing escapes and lone surrogates', () => {
    const values: unknown[] = [
      null,
      undefined,
      true,
      false,
      0,
      -0,
      1.5,
      1e21,
      -1e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.MAX_SAFE_INTEGER,
      0n,
      -123456789012345678901234567890n,
      '',
      'plain',
      'quote " backslash \\ newline \n tab \t nul \u0000',
      'é日本\u{1F600}',
      '\uD800 lone',
      [],
      [undefined, null, 1n, 'a', [[]], {}],
      {},
      { z: 1, a: undefined, m: [{ y: 2n, b: 'x' }], 'k"ey': true, '10': 'ten', '9': 'nine', B: 1, é: 2 },
      { nested: { deeper: { deepest: [1, { u: undefined, v: null }] } } },
    ];
    for (const v of values) {
      expect(canonicalJson(v as never)).toBe(referenceCanonicalJson(v));
      if (v !== null && typeof v === 'object') expect(requestHash('UpdateSession', v)).toBe(referenceRequestHash('UpdateSession', v));
    }
  });
});

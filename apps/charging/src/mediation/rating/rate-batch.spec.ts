import { validateRatedEvent } from '@app/events';
import { createHash } from 'node:crypto';
import { CdrRejectCode } from '../cdr-formats';
import { TEST_PLAN_JSON, TEST_TIME_ZONE } from '../test/cdr-fixtures';
import { PlanCache, rateBatch } from './rate-batch';
import { RatingTask, taskColumns, TaskRecord, TaskRoute } from './rating-task';

const FILE_ID = 'ab'.repeat(16);
const PLAN = { key: 'cdr-test-postpaid@x', json: TEST_PLAN_JSON };

const ROUTES: TaskRoute[] = [
  { accountId: 'acct-1', planKey: PLAN.key, timeZone: TEST_TIME_ZONE, cycleDay: 1 },
  { accountId: 'acct-1', planKey: PLAN.key, timeZone: 'Mars/Olympus', cycleDay: 1 },
];

type Outcome =
  | { lineNumber: number; ok: true; amountMicros: bigint; eventId: string; payload: string }
  | { lineNumber: number; ok: false; code: string; reason: string };

function record(over: Partial<TaskRecord>): TaskRecord {
  return {
    lineNumber: 2,
    recordId: 'msc1-000001',
    subscriberId: '33612000101',
    route: 0,
    ratingGroup: 10,
    serviceId: 0,
    calledNumber: '33140000000',
    startMs: Date.UTC(2026, 10, 20, 18, 58),
    units: 300,
    roaming: false,
    ...over,
  };
}

/** Rates and gives the outcomes back one per record, in line order. */
function rate(records: TaskRecord[], unit: RatingTask['unit'] = 'SECONDS', plans = [PLAN], routes = ROUTES): Outcome[] {
  const r = rateBatch({ fileId: FILE_ID, unit, plans, routes, records: taskColumns(records) }, new PlanCache(4));
  const payload = (i: number) =>
    Buffer.from(r.rated.payloadBytes.subarray(i === 0 ? 0 : r.rated.payloadEnds[i - 1], r.rated.payloadEnds[i])).toString('utf8');
  const rated: Outcome[] = r.rated.lineNumber.map((lineNumber, i) => ({
    lineNumber,
    ok: true,
    amountMicros: r.rated.amountMicros[i],
    eventId: r.rated.eventId[i],
    payload: payload(i),
  }));
  return [...rated, ...r.unrated.map((u): Outcome => ({ ...u, ok: false }))].sort((a, b) => a.lineNumber - b.lineNumber);
}

describe('rateBatch', () => {
  it('rates a call across peak and off-peak like the hand calculation and builds a valid DEBIT', () => {
    // Friday 19:58 Paris: 120 s peak (0.12/min) + 180 s off-peak (0.03/min) + 0.05 setup = 0.38 EUR.
    const [o] = rate([record({})]);
    if (!o.ok) throw new Error(o.reason);
    expect(o.amountMicros).toBe(380_000n);
    expect(o.eventId).toBe(
      createHash('sha1')
        .update(`CDR|SECONDS|msc1-000001|33612000101|${Date.UTC(2026, 10, 20, 18, 58)}`)
        .digest('hex'),
    );
    const v = validateRatedEvent(JSON.parse(o.payload));
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    expect(v.value).toMatchObject({
      type: 'DEBIT',
      accountId: 'acct-1',
      subscriberId: '33612000101',
      sessionId: '',
      requestId: `cdr:${FILE_ID}:2`,
      requestNumber: 0,
      ratingGroup: 10,
      unit: 'SECONDS',
      usedUnits: 300,
      billableUnits: 300,
      amountMicros: '380000',
      currency: 'EUR',
      balanceAfterMicros: '0',
      tariffId: 'cdr-test-postpaid:3:voice-peak',
      cycleId: '2026-11',
      reason: 'OFFLINE_CDR',
      occurredAtMs: Date.UTC(2026, 10, 20, 18, 58),
    });
  });

  it('rates data by bytes and rejects what the plan cannot rate, record by record', () => {
    const out = rate(
      [
        record({ lineNumber: 2, ratingGroup: 20, calledNumber: undefined, units: 5 * 1048576 }),
        record({ lineNumber: 3, ratingGroup: 30, calledNumber: undefined, units: 5 }),
        record({ lineNumber: 4, ratingGroup: 99, calledNumber: undefined, units: 5 }),
        record({ lineNumber: 5, ratingGroup: 20, calledNumber: undefined, units: 1, route: 1 }),
      ],
      'BYTES',
    );
    expect(out[0]).toMatchObject({ ok: true, amountMicros: 10_000n });
    expect(out[1]).toMatchObject({
      ok: false,
      code: CdrRejectCode.UNIT_MISMATCH,
      reason: 'cdr-test-postpaid:3:sms rates EVENTS, the record is in BYTES',
    });
    expect(out[2]).toMatchObject({ ok: false, code: CdrRejectCode.NO_RATE });
    expect(out[3]).toMatchObject({ ok: false, code: CdrRejectCode.RATING_FAILED });
    expect((out[3] as { reason: string }).reason).toMatch(/^INVALID_USAGE: timeZone/);
  });

  it('rejects every record of a plan that does not parse, with the plan path', () => {
    const broken = { key: 'broken@1', json: JSON.stringify({ ...JSON.parse(TEST_PLAN_JSON), currency: 'EURO' }) };
    const [o] = rate([record({})], 'SECONDS', [broken], [{ ...ROUTES[0], planKey: broken.key }]);
    expect(o).toMatchObject({ ok: false, code: CdrRejectCode.INVALID_PLAN });
  });
});

import { decodeBatch, InboundMessage } from './decode-batch';
import { ratedEvent } from '@app/events/testing';

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);
let seq = 0;
function msg(payload: string | Uint8Array, subject = 'ratel.rated.v1.acc-1'): InboundMessage {
  seq++;
  return {
    streamSeq: seq,
    subject,
    data: typeof payload === 'string' ? Buffer.from(payload) : payload,
    publishedAtMs: NOW - 1000,
    deliveryCount: 1,
  };
}
const json = (v: unknown) => JSON.stringify(v);

describe('decodeBatch', () => {
  it('turns valid events into rows with exact Int64 money', () => {
    const e = ratedEvent('a', { amountMicros: '9223372036854775807', balanceAfterMicros: '-9223372036854775808' });
    const out = decodeBatch('S', [msg(json(e))], NOW);
    expect(out.deadLetters).toEqual([]);
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]).toMatchObject({
      eventId: e.eventId,
      amountMicros: 9223372036854775807n,
      balanceAfterMicros: -9223372036854775808n,
      occurredDate: '2026-11-15',
      occurredAt: '2026-11-15 12:00:00',
      ingestedAt: '2026-11-21 10:00:00',
    });
  });

  it('stores an event id once per batch', () => {
    const e = ratedEvent('dup');
    const out = decodeBatch('S', [msg(json(e)), msg(json(e)), msg(json(ratedEvent('other')))], NOW);
    expect(out.rows.map((r) => r.eventId)).toEqual([e.eventId, ratedEvent('other').eventId]);
    expect(out.duplicatesInBatch).toBe(1);
  });

  it.each([
    ['NOT_UTF8', msg(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /UTF-8/, 'BASE64'],
    ['INVALID_JSON', msg('{"schema": "ratel.rated.v1",'), /not JSON/, 'UTF8'],
    ['INVALID_EVENT', msg(json({ ...ratedEvent('x'), amountMicros: 12.5 })), /amountMicros/, 'UTF8'],
    ['INVALID_EVENT', msg(json({ ...ratedEvent('x'), type: 'DEBIT', amountMicros: '-5' })), /must not be negative/, 'UTF8'],
    ['INVALID_EVENT', msg(json({ ...ratedEvent('x'), eventId: "'; DROP TABLE rated_events; --" })), /eventId/, 'UTF8'],
    ['INVALID_EVENT', msg('null'), /root/, 'UTF8'],
    ['SUBJECT_MISMATCH', msg(json(ratedEvent('y', { accountId: 'other' }))), /subject/, 'UTF8'],
    ['OUT_OF_RANGE', msg(json(ratedEvent('z', { occurredAtMs: Number.MAX_SAFE_INTEGER }))), /epoch ms/, 'UTF8'],
    ['INVALID_JSON', msg('\0'), /not JSON/, 'BASE64'],
  ])('dead-letters %s with its reason and the raw payload', (code, m, reason, encoding) => {
    const out = decodeBatch('S', [m], NOW);
    expect(out.rows).toEqual([]);
    expect(out.deadLetters).toHaveLength(1);
    const dl = out.deadLetters[0];
    expect(dl).toMatchObject({
      stream: 'S',
      streamSeq: BigInt(m.streamSeq),
      subject: m.subject,
      reasonCode: code,
      payloadEncoding: encoding,
    });
    expect(dl.reason).toMatch(reason);
    const raw = encoding === 'UTF8' ? Buffer.from(dl.payload, 'utf8') : Buffer.from(dl.payload, 'base64');
    expect(raw.equals(Buffer.from(m.data))).toBe(true);
  });

  it('keeps going after bad messages', () => {
    const out = decodeBatch('S', [msg('bad'), msg(json(ratedEvent('ok1'))), msg('worse'), msg(json(ratedEvent('ok2')))], NOW);
    expect(out.rows).toHaveLength(2);
    expect(out.deadLetters).toHaveLength(2);
  });

  it('caps the reason text', () => {
    const broken = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, i]));
    const out = decodeBatch('S', [msg(json({ ...broken, schema: 'nope' }))], NOW);
    expect(out.deadLetters[0].reason.length).toBeLessThanOrEqual(2_000);
  });
});

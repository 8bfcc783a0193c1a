/**
 * Turns one fetched batch into the rows to insert: events that pass the `ratel.rated.v1`
 * validator become `rated_events` rows; everything else becomes a `rated_dead_letters` row with
 * its reason and raw payload. Pure: no I/O, no clock (the caller passes the time).
 */
import { DeadLetterReasonCode, DeadLetterRow, formatDateTime, RatedEventRow, SqlValueError, toRatedEventRow } from '@app/analytics';
import { validateRatedEvent } from '@app/events';
import { DEAD_LETTER_REASON_MAX_LENGTH } from './sink-limits';

/** What the sink needs of one JetStream message. */
export interface InboundMessage {
  streamSeq: number;
  subject: string;
  data: Uint8Array;
  publishedAtMs: number;
  deliveryCount: number;
}

export interface DecodedBatch {
  rows: RatedEventRow[];
  deadLetters: DeadLetterRow[];
  /** Messages whose event id already appeared earlier in this batch (stored once). */
  duplicatesInBatch: number;
}

type Decoded = { ok: true; row: RatedEventRow } | { ok: false; code: DeadLetterReasonCode; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeOne(m: InboundMessage, nowMs: number): Decoded {
  let text: string;
  try {
    text = utf8.decode(m.data);
  } catch {
    return { ok: false, code: 'NOT_UTF8', reason: 'payload is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'INVALID_JSON', reason: `payload is not JSON: ${(err as Error).message}` };
  }
  const v = validateRatedEvent(json);
  if (!v.ok) {
    return { ok: false, code: 'INVALID_EVENT', reason: v.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ') };
  }
  const subjectAccount = m.subject.slice(m.subject.lastIndexOf('.') + 1);
  if (subjectAccount !== v.value.accountId) {
    return { ok: false, code: 'SUBJECT_MISMATCH', reason: `accountId ${v.value.accountId} published on subject ${m.subject}` };
  }
  try {
    return { ok: true, row: toRatedEventRow(v.value, { streamSeq: m.streamSeq, ingestedAtMs: nowMs }) };
  } catch (err) {
    if (err instanceof SqlValueError) return { ok: false, code: 'OUT_OF_RANGE', reason: err.message };
    throw err;
  }
}

export function deadLetter(stream: string, m: InboundMessage, code: DeadLetterReasonCode, reason: string, nowMs: number): DeadLetterRow {
  let payload: string;
  let payloadEncoding: DeadLetterRow['payloadEncoding'] = 'UTF8';
  try {
    payload = utf8.decode(m.data);
  } catch {
    payload = Buffer.from(m.data).toString('base64');
    payloadEncoding = 'BASE64';
  }
  if (payload.includes('\0')) {
    // NUL is valid UTF-8 but kept out of String columns: store such payloads as base64 too.
    payload = Buffer.from(m.data).toString('base64');
    payloadEncoding = 'BASE64';
  }
  return {
    stream,
    streamSeq: BigInt(m.streamSeq),
    subject: m.subject,
    deliveryCount: m.deliveryCount,
    publishedAt: formatDateTime(Math.max(0, m.publishedAtMs)),
    receivedAt: formatDateTime(nowMs),
    reasonCode: code,
    reason: reason.slice(0, DEAD_LETTER_REASON_MAX_LENGTH),
    payloadEncoding,
    payload,
  };
}

export function decodeBatch(stream: string, msgs: readonly InboundMessage[], nowMs: number): DecodedBatch {
  const out: DecodedBatch = { rows: [], deadLetters: [], duplicatesInBatch: 0 };
  const seen = new Set<string>();
  for (const m of msgs) {
    const d = decodeOne(m, nowMs);
    if (!d.ok) {
      out.deadLetters.push(deadLetter(stream, m, d.code, d.reason, nowMs));
    } else if (seen.has(d.row.eventId)) {
      out.duplicatesInBatch++;
    } else {
      seen.add(d.row.eventId);
      out.rows.push(d.row);
    }
  }
  return out;
}

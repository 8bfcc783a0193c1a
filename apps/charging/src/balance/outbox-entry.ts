/**
 * The outbox entry: what the balance engine's scripts write to a bucket's outbox stream and the
 * relay publishes. One home for both sides of that contract.
 *
 * Every entry has the fields `id` (the event id, sent as Nats-Msg-Id) and `subject`, and its event
 * in one of two forms:
 * - `data`: the event's JSON as published (notifications, and rated events written before the
 *   compact form);
 * - `r1`: a `ratel.rated.v1` event in compact form, the values of `RATED_COMPACT_FIELDS` joined by
 *   `|` in that order, strings as they are (the rated-event contract allows no `|` in any of its
 *   strings, `@app/events` fields.ts), `''` for an optional field that is absent. The relay turns it
 *   into the JSON the script used to write itself, byte for byte: keys sorted, strings escaped as
 *   Redis's Lua cjson escapes them. Building that JSON inside the script cost about a third of an
 *   event charge's time in Redis (load-tests/RESULTS.md, issue 11); node builds it for a fraction of
 *   that, outside the single-threaded store.
 *
 * Numbers and money in `r1` are the decimal texts the script printed (exact integers, never in
 * exponent form); they are copied into the JSON as they are. `balanceAfterMicros`, `currency`,
 * `occurredAtMs` and `type` are left out of the JSON when empty, as the script left them out when
 * it had no value (an account always has a currency, so an empty one is never written).
 */

/** The field of the compact form of a rated event. */
export const RATED_COMPACT_FIELD = 'r1';

/** The values of a compact rated event, in order (the Lua writer: includes/account.lua emitRated). */
export const RATED_COMPACT_FIELDS = [
  'type',
  'accountId',
  'subscriberId',
  'sessionId',
  'requestId',
  'requestNumber',
  'ratingGroup',
  'serviceId',
  'unit',
  'usedUnits',
  'billableUnits',
  'allowanceUnits',
  /** The JSON of the allowances array without its brackets: `{"bucketId":..,"units":..},...` */
  'allowances',
  'amountMicros',
  'currency',
  'balanceAfterMicros',
  'tariffId',
  'cycleId',
  'cycleUnits',
  'occurredAtMs',
  'overageUnits',
  'reason',
  'releasedMicros',
  'shortfallMicros',
] as const;

/** Whether cjson escapes character code `c`: control characters, `"`, `/`, `\` and DEL. */
function escaped(c: number): boolean {
  return c < 0x20 || c === 0x22 || c === 0x2f || c === 0x5c || c === 0x7f;
}

function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (escaped(s.charCodeAt(i))) return true;
  return false;
}
const SHORT_ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
};

/**
 * A JSON string exactly as Redis's Lua `cjson.encode` writes it: `"`, `\` and `/` escaped with a
 * backslash, \b \t \n \f \r by name, the other control characters and DEL as \u00XX, everything
 * else (non-ASCII included) as it is.
 */
export function cjsonString(s: string): string {
  if (!needsEscape(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (escaped(c)) out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The JSON of a compact rated event, or why it cannot be read. */
export function ratedJsonOf(eventId: string, compact: string): { json: string } | { malformed: string } {
  const v = compact.split('|');
  if (v.length !== RATED_COMPACT_FIELDS.length) {
    return { malformed: `${RATED_COMPACT_FIELD} has ${v.length} values, expected ${RATED_COMPACT_FIELDS.length}` };
  }
  const [type, accountId, sub, sess, req, n, rg, svc, unit, used, billable, allowanceUnits, allowances, amount] = v;
  const [currency, balance, tariff, cycle, cycleUnits, now, overage, reason, released, shortfall] = v.slice(14);
  const json =
    `{"accountId":${cjsonString(accountId)},"allowanceUnits":${allowanceUnits},"allowances":[${allowances}],"amountMicros":"${amount}"` +
    (balance === '' ? '' : `,"balanceAfterMicros":"${balance}"`) +
    `,"billableUnits":${billable}` +
    (currency === '' ? '' : `,"currency":${cjsonString(currency)}`) +
    `,"cycleId":${cjsonString(cycle)}` +
    (cycleUnits === '' ? '' : `,"cycleUnits":${cycleUnits}`) +
    `,"eventId":${cjsonString(eventId)}` +
    (now === '' ? '' : `,"occurredAtMs":${now}`) +
    (overage === '' ? '' : `,"overageUnits":${overage}`) +
    `,"ratingGroup":${rg}` +
    (reason === '' ? '' : `,"reason":${cjsonString(reason)}`) +
    (released === '' ? '' : `,"releasedMicros":"${released}"`) +
    `,"requestId":${cjsonString(req)},"requestNumber":${n},"schema":"ratel.rated.v1","serviceId":${svc},"sessionId":${cjsonString(sess)}` +
    (shortfall === '' ? '' : `,"shortfallMicros":"${shortfall}"`) +
    `,"subscriberId":${cjsonString(sub)},"tariffId":${cjsonString(tariff)}` +
    (type === '' ? '' : `,"type":${cjsonString(type)}`) +
    `,"unit":${cjsonString(unit)},"usedUnits":${used}}`;
  return { json };
}

/** An outbox entry's fields read: its event id, subject and event JSON, or why it cannot be published. */
export type ReadOutboxEntry = { eventId: string; subject: string; json: string } | { malformed: string };

/** Reads a stream entry's fields (`id`, `subject`, and `data` or `r1`). */
export function readOutboxFields(fields: readonly string[]): ReadOutboxEntry {
  let eventId: string | undefined;
  let subject: string | undefined;
  let data: string | undefined;
  let compact: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    if (f === 'id') eventId = fields[i + 1];
    else if (f === 'subject') subject = fields[i + 1];
    else if (f === 'data') data = fields[i + 1];
    else if (f === RATED_COMPACT_FIELD) compact = fields[i + 1];
  }
  if (!eventId) return { malformed: 'missing field id' };
  if (subject === undefined) return { malformed: 'missing field subject' };
  if (data !== undefined) return { eventId, subject, json: data };
  if (compact === undefined) return { malformed: `missing field data or ${RATED_COMPACT_FIELD}` };
  const rated = ratedJsonOf(eventId, compact);
  return 'json' in rated ? { eventId, subject, json: rated.json } : rated;
}

/** The event JSON of a stream entry's fields; throws naming what is wrong with a malformed entry. */
export function outboxEventJson(fields: readonly string[]): string {
  const read = readOutboxFields(fields);
  if ('malformed' in read) throw new Error(`malformed outbox entry: ${read.malformed}`);
  return read.json;
}

/**
 * The reply to a JetStream publish (nats-server `JSPubAckResponse`), read by every publisher that
 * collects PubAcks on its own inbox subscription instead of `js.publish` (the outbox relay, CDR
 * mediation). A duplicate is an acknowledgement: the stream has the message.
 */

/** What one publish came to. */
export type PubAckResult = { ok: true; duplicate: boolean } | { ok: false; error: string };

/** Shape of a JetStream publish reply. */
interface PubAckJson {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

/** Header status of an empty reply when no stream captures the subject (or JetStream is down). */
export const NO_RESPONDERS_STATUS = 503;

/** Reads a reply to a JetStream publish: its payload and the status code of its headers, if any. */
export function parsePubAck(data: Uint8Array, statusCode: number | undefined): PubAckResult {
  if (data.length === 0 && statusCode === NO_RESPONDERS_STATUS) {
    return { ok: false, error: 'no responders: no stream captures this subject (or JetStream is unavailable)' };
  }
  let ack: PubAckJson;
  try {
    ack = JSON.parse(Buffer.from(data).toString('utf8')) as PubAckJson;
  } catch {
    return { ok: false, error: `unreadable publish ack (${data.length} bytes, status ${statusCode ?? 'none'})` };
  }
  if (ack.error) return { ok: false, error: `jetstream error ${ack.error.err_code ?? ack.error.code}: ${ack.error.description ?? ''}` };
  if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number') {
    return { ok: false, error: 'publish ack without stream/seq' };
  }
  return { ok: true, duplicate: ack.duplicate === true };
}

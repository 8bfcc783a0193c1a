/**
 * Signatures of the card gateway's webhooks: HMAC-SHA256 with the shared secret over
 * `timestamp + "." + body` (the raw bytes), sent as `t=<unix seconds>,v1=<hex>` in the
 * Card-Signature header (several v1 entries allowed while a secret rotates). A signature older or
 * newer than the tolerance is refused, so a captured event cannot be replayed later. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CARD_SIGNATURE_HEADER = 'card-signature';
/** How far a webhook's timestamp may be from our clock, either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** Longest signature header read. */
export const SIGNATURE_HEADER_MAX_LENGTH = 1_024;

export type SignatureCheck = { ok: true; timestampSeconds: number } | { ok: false; reason: 'MISSING' | 'MALFORMED' | 'MISMATCH' | 'STALE' };

export function signWebhook(p: { secret: string; timestampSeconds: number; body: Buffer | string }): string {
  const mac = createHmac('sha256', p.secret).update(`${p.timestampSeconds}.`).update(p.body).digest('hex');
  return `t=${p.timestampSeconds},v1=${mac}`;
}

export function verifyWebhook(p: { secret: string; header: string | undefined; body: Buffer; nowMs: number }): SignatureCheck {
  if (p.header === undefined || p.header.length === 0) return { ok: false, reason: 'MISSING' };
  if (p.header.length > SIGNATURE_HEADER_MAX_LENGTH) return { ok: false, reason: 'MALFORMED' };
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of p.header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && /^[0-9]{1,12}$/.test(v ?? '')) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '')) v1.push(v);
  }
  if (t === undefined || v1.length === 0) return { ok: false, reason: 'MALFORMED' };
  const expected = Buffer.from(signWebhook({ secret: p.secret, timestampSeconds: t, body: p.body }).split('v1=')[1], 'hex');
  if (!v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) return { ok: false, reason: 'MISMATCH' };
  if (Math.abs(p.nowMs / 1000 - t) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, reason: 'STALE' };
  return { ok: true, timestampSeconds: t };
}

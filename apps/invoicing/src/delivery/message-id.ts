import { createHash } from 'node:crypto';

/** Hex digits of the key's SHA-256 kept in a Message-ID: 128 bits, no collision in practice. */
const MESSAGE_ID_HASH_HEX_LENGTH = 32;

/**
 * The Message-ID of a delivery's email, derived from its idempotency key only: every attempt of one
 * delivery, before and after a crash, sends the same Message-ID, so a copy that did get through
 * twice is recognisable as one message (mail clients and archives collapse equal Message-IDs).
 */
export function messageIdOf(idempotencyKey: string, domain: string): string {
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(domain)) throw new RangeError(`invalid Message-ID domain ${JSON.stringify(domain)}`);
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, MESSAGE_ID_HASH_HEX_LENGTH);
  return `<delivery.${hash}@${domain}>`;
}

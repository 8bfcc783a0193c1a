/**
 * API keys of provisioning clients (RATEL_API_KEYS, a comma-separated list). Keys are kept as
 * SHA-256 digests and compared in constant time against every configured key, so neither the
 * position of a mismatch nor which key matched leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Longest key accepted in a request header. */
export const API_KEY_LENGTH_MAX = 256;
/** Hex digits of a key's digest used to name it in the audit log (not enough to guess the key). */
export const API_KEY_FINGERPRINT_HEX_DIGITS = 12;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export class ApiKeySet {
  private readonly digests: Buffer[];

  constructor(commaList: string) {
    this.digests = commaList
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '')
      .map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** Returns the key's fingerprint when it is one of the configured keys, undefined otherwise. */
  match(presented: string): string | undefined {
    if (presented.length === 0 || presented.length > API_KEY_LENGTH_MAX) return undefined;
    const given = digest(presented);
    let matched = false;
    for (const d of this.digests) matched = timingSafeEqual(given, d) || matched; // no early exit
    return matched ? given.toString('hex').slice(0, API_KEY_FINGERPRINT_HEX_DIGITS) : undefined;
  }
}

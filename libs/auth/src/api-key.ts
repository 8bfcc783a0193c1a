/**
 * API keys of REST clients and their roles, from RATEL_API_KEYS:
 *
 *   RATEL_API_KEYS = entry *("," entry)      entry = key [":" role *("+" role)]
 *
 * e.g. `crm-7f3a:read+write,ops-91c2:admin,bi-44d0:read`. A key listed without roles (the plain
 * comma list of earlier releases) gets DEFAULT_ROLES (read and write, not admin). Keys may hold
 * any printable ASCII character except `,` `:` `;` and are at most API_KEY_MAX_LENGTH long.
 * Keys are kept as SHA-256 digests and compared in constant time against every configured key, so
 * neither the position of a mismatch nor which key matched leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_ROLES, isRole, ROLES, type Role } from './roles';

/** Longest key accepted, configured or presented in a request header. */
export const API_KEY_MAX_LENGTH = 256;
/** Hex digits of a key's digest used to name it in the audit log (not enough to guess the key). */
export const API_KEY_FINGERPRINT_HEX_DIGITS = 12;

const ROLE_LIKE = /^[a-z_-]{1,20}$/;
const KEY = /^[\x21-\x2b\x2d-\x39\x3c-\x7e]+$/; // printable ASCII without space , : ;

/** A malformed RATEL_API_KEYS; the message names the entry by position, never by its key. */
export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

export interface ApiKeyMatch {
  /** Hex prefix of the key's SHA-256, for logs and the audit trail. */
  fingerprint: string;
  roles: readonly Role[];
}

interface ConfiguredKey {
  digest: Buffer;
  roles: readonly Role[];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function parseEntry(entry: string, position: number): { key: string; roles: readonly Role[] } {
  const colon = entry.indexOf(':');
  const key = colon < 0 ? entry : entry.slice(0, colon);
  const where = `entry ${position}`;
  if (key === '') throw new ApiKeyConfigError(`${where}: the key is empty`);
  if (key.length > API_KEY_MAX_LENGTH) throw new ApiKeyConfigError(`${where}: the key is longer than ${API_KEY_MAX_LENGTH} characters`);
  if (!KEY.test(key)) throw new ApiKeyConfigError(`${where}: a key may hold printable ASCII except space , : ;`);
  if (colon < 0) return { key, roles: DEFAULT_ROLES };
  const roles = entry.slice(colon + 1).split('+');
  const bad = roles.find((r) => !isRole(r));
  if (bad !== undefined) {
    // Echo the bad role only when it looks like a word: anything else may hold part of a key.
    const shown = ROLE_LIKE.test(bad) ? JSON.stringify(bad) : `role ${roles.indexOf(bad) + 1}`;
    throw new ApiKeyConfigError(`${where}: ${shown} is not a role (${ROLES.join(', ')}; join several with +)`);
  }
  if (new Set(roles).size !== roles.length) throw new ApiKeyConfigError(`${where}: a role is listed twice`);
  return { key, roles: roles as Role[] };
}

/** Parses RATEL_API_KEYS; throws ApiKeyConfigError naming the bad entry. Empty entries are skipped. */
export function parseApiKeys(value: string): { key: string; roles: readonly Role[] }[] {
  if (value.includes(';')) throw new ApiKeyConfigError("';' is not a separator: put ',' between entries and '+' between roles");
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .map((e, i) => ({ e, position: i + 1 }))
    .filter(({ e }) => e !== '')
    .map(({ e, position }) => parseEntry(e, position));
  if (new Set(entries.map((x) => x.key)).size !== entries.length) throw new ApiKeyConfigError('a key is listed twice');
  return entries;
}

export class ApiKeySet {
  private readonly keys: ConfiguredKey[];

  /** `value`: RATEL_API_KEYS; throws ApiKeyConfigError when it is malformed. */
  constructor(value: string) {
    this.keys = parseApiKeys(value).map(({ key, roles }) => ({ digest: digest(key), roles }));
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key's fingerprint and roles when it is one of the configured keys, undefined otherwise. */
  match(presented: string): ApiKeyMatch | undefined {
    if (presented.length === 0 || presented.length > API_KEY_MAX_LENGTH) return undefined;
    const given = digest(presented);
    let found: ConfiguredKey | undefined;
    for (const k of this.keys) {
      // No early exit: every configured key is compared, whichever matches.
      if (timingSafeEqual(given, k.digest)) found = k;
    }
    if (found === undefined) return undefined;
    return { fingerprint: given.toString('hex').slice(0, API_KEY_FINGERPRINT_HEX_DIGITS), roles: found.roles };
  }
}

/**
 * The fingerprint of a request: sha256 hex of a canonical JSON of its validated command (keys
 * sorted, bigint as decimal string, undefined left out) prefixed with the RPC name. A retry with
 * the same id must carry the same fingerprint, or the engine refuses it (DUPLICATE_MISMATCH).
 *
 * Hot path (once per mutating request): the serialiser builds one string without intermediate
 * arrays or closures, and the digest is one-shot (crypto.hash). The output is byte for byte what
 * the original filter/sort/map/join form produced (request-hash.spec.ts compares both), so
 * fingerprints stored before a deploy still match retries after it.
 */
import { hash } from 'node:crypto';

type Canonical = null | boolean | number | string | bigint | undefined | readonly Canonical[] | { readonly [key: string]: Canonical };

/** `"key":` per property name; names come from the command classes, the bound only stops a misuse. */
const QUOTED_KEYS_MAX = 4_096;
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

export function canonicalJson(value: Canonical): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // What JSON.stringify writes: the shortest round-trip form, null when not finite.
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      // Decimal digits with an optional "-": nothing to escape.
      return `"${value}"`;
    case 'object':
      break;
    default:
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    const list = value as readonly Canonical[];
    let out = '[';
    for (let i = 0; i < list.length; i++) {
      if (i > 0) out += ',';
      // `?? ''`: what Array.prototype.join made of a value JSON cannot represent (never in a command).
      out += canonicalJson(list[i]) ?? '';
    }
    return `${out}]`;
  }
  const obj = value as { readonly [key: string]: Canonical };
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = obj[k];
    if (v === undefined) continue;
    if (first) first = false;
    else out += ',';
    out += quotedKey(k);
    out += canonicalJson(v);
  }
  return `${out}}`;
}

export function requestHash(rpc: string, command: object): string {
  return hash('sha256', `${rpc}\n${canonicalJson(command as Canonical)}`, 'hex');
}

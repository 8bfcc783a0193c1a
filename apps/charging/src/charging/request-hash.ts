/**
 * The fingerprint of a request: sha256 hex of a canonical JSON of its validated command (keys
 * sorted, bigint as decimal string, undefined left out) prefixed with the RPC name. A retry with
 * the same id must carry the same fingerprint, or the engine refuses it (DUPLICATE_MISMATCH).
 */
import { createHash } from 'node:crypto';

type Canonical = null | boolean | number | string | bigint | undefined | readonly Canonical[] | { readonly [key: string]: Canonical };

export function canonicalJson(value: Canonical): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: Canonical) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [key: string]: Canonical };
  const entries = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${entries.join(',')}}`;
}

export function requestHash(rpc: string, command: object): string {
  return createHash('sha256')
    .update(rpc)
    .update('\n')
    .update(canonicalJson(command as Canonical))
    .digest('hex');
}

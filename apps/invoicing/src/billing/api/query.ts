/** Query-string values of the billing API, validated; a bad one names its parameter (INVALID_ARGUMENT). */
import { BillingError } from '../documents/billing-error';

export type Raw = Record<string, unknown>;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function one(q: Raw, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw BillingError.invalid(name, 'give it once');
  return v;
}

export function oneOf<T extends string>(q: Raw, name: string, values: readonly T[]): T | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw BillingError.invalid(name, `one of ${values.join(', ')}`);
  return v as T;
}

export function date(q: Raw, name: string): string | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw BillingError.invalid(name, 'a date YYYY-MM-DD');
  return v;
}

export function int(q: Raw, name: string, min: number, max: number, fallback: number): number {
  const v = one(q, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw BillingError.invalid(name, `an integer from ${min} to ${max}`);
  return Number(v);
}

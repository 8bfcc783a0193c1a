/** Field schemas shared by the event schemas (zod). */
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN } from './ids';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Largest integer a JSON number carries exactly (units, counters, times). */
export const SAFE_MAX = Number.MAX_SAFE_INTEGER;

const INT64_TEXT = /^(0|-?[1-9][0-9]{0,18})$/;

/** A decimal string of a signed int64 (money in micros): no sign on zero, no leading zeros. */
export const int64String = z
  .string()
  .regex(INT64_TEXT, 'must be a decimal int64 string')
  .refine((s) => {
    // zod runs every check even after the regex failed: parse only a well-formed string.
    const v = INT64_TEXT.test(s) ? BigInt(s) : 0n;
    return v >= INT64_MIN && v <= INT64_MAX;
  }, 'must fit in int64');

/** A non-negative integer that JSON carries exactly. */
export const safeCount = z.number().int().min(0).max(SAFE_MAX);

/** sha1 hex, the event id scheme of the balance engine. */
export const eventIdSchema = z.string().regex(/^[0-9a-f]{40}$/, 'must be 40 lowercase hex digits (sha1)');

export const accountIdSchema = z.string().regex(ACCOUNT_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$');

/** ISO 4217 alphabetic code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');

/** Printable ASCII without `|`, up to 128 characters; empty when the field does not apply. */
export const optionalId = z.string().regex(/^[\x21-\x7b\x7d\x7e]{0,128}$/, 'must be printable ASCII without |, at most 128');

/** Reason codes: upper snake case. */
export const reasonSchema = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be UPPER_SNAKE_CASE');

/** `<planId>:<version>:<elementId>` of @app/rating (up to 200 characters), empty for TOPUP. */
export const tariffIdSchema = z.string().regex(/^[\x21-\x7b\x7d\x7e]{0,200}$/, 'must be printable ASCII without |, at most 200');

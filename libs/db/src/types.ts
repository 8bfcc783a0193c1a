/**
 * Column types shared by the entities. Money is BIGINT in PostgreSQL and `bigint` in TypeScript,
 * never `number`: `BigIntType('bigint')` converts the string the pg driver returns.
 */
import { ArrayType, BigIntType } from '@mikro-orm/core';

/** BIGINT <-> bigint (money in micros). */
export const bigintMicros = (): BigIntType<'bigint'> => new BigIntType('bigint');

/** BIGINT[] <-> bigint[] (for example low-balance thresholds in micros). */
export const bigintArray = (): ArrayType<bigint> =>
  new ArrayType<bigint>(
    (v) => BigInt(String(v)),
    (v) => v.toString(),
  );

/** INT[] <-> number[] (rating groups). */
export const intArray = (): ArrayType<number> =>
  new ArrayType<number>(
    (v) => Number(v),
    (v) => String(v),
  );

/** BIGINT <-> number, for unit counts that stay below 2^53 by a CHECK constraint (never money). */
export const bigintCount = (): BigIntType<'number'> => new BigIntType('number');

/**
 * Which ClickHouse insert errors are a refusal of the data itself (the same rows would be refused
 * again, whatever the retries), as opposed to the server being away, slow or overloaded. Only the
 * former make the sink isolate the rows at fault and dead-letter them; everything else is retried
 * with back-off, holding the batch.
 *
 * The codes are ClickHouse's ErrorCodes (stable across releases, the same on 18.16 and current).
 */
import { ClickHouseError } from '@clickhouse/client';

export const CLICKHOUSE_DATA_ERROR_CODES: ReadonlySet<string> = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '131', // TOO_LARGE_STRING_SIZE
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  '691', // UNKNOWN_ELEMENT_OF_ENUM
]);

/**
 * The ClickHouse error code of a refusal of the data, or undefined for any other failure. Current
 * servers answer `Code: 131. DB::Exception: ...`, which the client parses into a ClickHouseError;
 * 18.16 answers `Code: 131, e.displayText() = DB::Exception: ...`, which it leaves a plain Error, so
 * the code is also read from the message.
 */
export function dataRefusalCode(err: unknown): string | undefined {
  const code = err instanceof ClickHouseError ? err.code : err instanceof Error ? /^Code: (\d+)[.,]/.exec(err.message)?.[1] : undefined;
  return code !== undefined && CLICKHOUSE_DATA_ERROR_CODES.has(code) ? code : undefined;
}

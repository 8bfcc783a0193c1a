/**
 * The names the relay shares with @app/events (streams, subjects, de-duplication window) and with
 * the balance engine (slot buckets, outbox keys): re-exported from there, so src/outbox imports
 * them from this one file.
 */
import { BalanceKeys } from '@app/keyspace';

export {
  DUPLICATE_WINDOW_MS,
  NOTIFY_STREAM,
  NOTIFY_SUBJECT_PREFIX as NOTIFY_SUBJECT_ROOT,
  RATED_STREAM,
  RATED_SUBJECT_PREFIX as RATED_SUBJECT_ROOT,
} from '@app/events';
export { ACCOUNT_SLOT_BUCKETS, fnv1a32, slotBucket as slotBucketOf } from '@app/keyspace';

/** `P{b:N}:outbox`, the outbox stream of slot bucket N. */
export function outboxKey(prefix: string, bucket: number): string {
  return new BalanceKeys(prefix).outbox(bucket);
}

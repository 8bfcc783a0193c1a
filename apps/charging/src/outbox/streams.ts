/**
 * The JetStream streams the relay publishes to. `ensureStreams` creates them or brings an
 * existing stream's limits up to date; it is idempotent and safe to run from every relay at start.
 */
import { DiscardPolicy, JetStreamManager, NatsError, nanos, RetentionPolicy, StorageType, StreamConfig } from 'nats';
import { DUPLICATE_WINDOW_MS, NOTIFY_STREAM, NOTIFY_SUBJECT_ROOT, RATED_STREAM, RATED_SUBJECT_ROOT } from './outbox-names';

/** Rated events are kept this long; consumers (ClickHouse ingest) must read them within it. */
export const RATED_AGE_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** Size cap of the rated-event stream. When full, publishes fail and events wait in the outbox. */
export const RATED_MAX_BYTES = 20 * 1024 ** 3;
/** Notifications are only useful while fresh. */
export const NOTIFY_AGE_MAX_MS = 3 * 24 * 60 * 60 * 1000;
export const NOTIFY_MAX_BYTES = 2 * 1024 ** 3;
/** Replicas per stream (1 on a single server; 3 on a JetStream cluster). */
export const STREAM_REPLICAS_DEFAULT = 1;

/** JetStream API error codes used here. */
const JS_STREAM_NOT_FOUND = 10059;
const JS_STREAM_NAME_IN_USE = 10058;

export interface StreamName {
  name: string;
  /** Subjects are `<subjectRoot>.<accountId>`; the stream captures `<subjectRoot>.>`. */
  subjectRoot: string;
}

export interface StreamNames {
  rated: StreamName;
  notify: StreamName;
}

/**
 * Stream names and subject roots. An empty prefix gives the production names; tests pass a
 * unique prefix (libs/devstack `uniqueId()`) so every spec has streams and subjects of its own.
 */
export function streamNamesFor(prefix = ''): StreamNames {
  if (!/^[A-Za-z0-9_-]{0,32}$/.test(prefix)) throw new Error(`invalid stream prefix ${JSON.stringify(prefix)}`);
  const name = (base: string) => (prefix ? `${prefix}_${base}` : base);
  const root = (base: string) => (prefix ? `${prefix}.${base}` : base);
  return {
    rated: { name: name(RATED_STREAM), subjectRoot: root(RATED_SUBJECT_ROOT) },
    notify: { name: name(NOTIFY_STREAM), subjectRoot: root(NOTIFY_SUBJECT_ROOT) },
  };
}

export interface StreamLimits {
  ratedMaxAgeMs: number;
  ratedMaxBytes: number;
  notifyMaxAgeMs: number;
  notifyMaxBytes: number;
  replicas: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  ratedMaxAgeMs: RATED_AGE_MAX_MS,
  ratedMaxBytes: RATED_MAX_BYTES,
  notifyMaxAgeMs: NOTIFY_AGE_MAX_MS,
  notifyMaxBytes: NOTIFY_MAX_BYTES,
  replicas: STREAM_REPLICAS_DEFAULT,
};

export interface EnsureStreamsOptions {
  names?: StreamNames;
  limits?: Partial<StreamLimits>;
}

/** The settings a stream may be updated to after creation (storage and retention are fixed). */
type UpdatableConfig = Pick<StreamConfig, 'subjects' | 'max_age' | 'max_bytes' | 'duplicate_window' | 'discard' | 'num_replicas'>;

export function streamConfigs(names: StreamNames, limits: StreamLimits): Array<{ name: string } & UpdatableConfig> {
  const common = {
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    // A full stream refuses new messages instead of silently dropping unread old ones: the events
    // then wait in the outbox, visible as ratel_outbox_depth, and nothing is lost.
    discard: DiscardPolicy.New,
    num_replicas: limits.replicas,
  };
  return [
    {
      name: names.rated.name,
      subjects: [`${names.rated.subjectRoot}.>`],
      max_age: nanos(limits.ratedMaxAgeMs),
      max_bytes: limits.ratedMaxBytes,
      ...common,
    },
    {
      name: names.notify.name,
      subjects: [`${names.notify.subjectRoot}.>`],
      max_age: nanos(limits.notifyMaxAgeMs),
      max_bytes: limits.notifyMaxBytes,
      ...common,
    },
  ];
}

function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/** Creates RATEL_RATED and RATEL_NOTIFY (file storage, limits retention) or updates their limits. */
export async function ensureStreams(jsm: JetStreamManager, opts: EnsureStreamsOptions = {}): Promise<void> {
  const names = opts.names ?? streamNamesFor();
  const limits = { ...DEFAULT_STREAM_LIMITS, ...opts.limits };
  for (const cfg of streamConfigs(names, limits)) {
    const { name, ...update } = cfg;
    const exists = await jsm.streams.info(name).then(
      () => true,
      (err: unknown) => {
        if (apiErrorCode(err) === JS_STREAM_NOT_FOUND) return false;
        throw err;
      },
    );
    if (exists) {
      await jsm.streams.update(name, update);
      continue;
    }
    try {
      await jsm.streams.add({ ...cfg, storage: StorageType.File, retention: RetentionPolicy.Limits });
    } catch (err) {
      // Another relay created it in the meantime: bring its limits up to date instead.
      if (apiErrorCode(err) !== JS_STREAM_NAME_IN_USE) throw err;
      await jsm.streams.update(name, update);
    }
  }
}

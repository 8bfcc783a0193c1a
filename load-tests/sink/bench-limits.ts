/** Named bounds and defaults of the sink bench. */

/** Days of November 2026 the bench events are spread over (two partitions at most). */
export const PERIOD_FROM_MS = Date.UTC(2026, 10, 1);
export const PERIOD_DAYS = 28;
/** Longest a drain (raw consume, sink catch-up, lag probes) may take before the bench gives up. */
export const DRAIN_TIMEOUT_MS = 600_000;
/** How often ClickHouse is asked how many rows it holds while the sink catches up. */
export const COUNT_POLL_INTERVAL_MS = 200;
/** How often the lag probes are looked up (adds up to this much to every lag figure). */
export const PROBE_POLL_INTERVAL_MS = 50;
/** How often the paced publisher of the lag phase tops up to its target rate. */
export const PACE_TICK_MS = 10;
/** Unacknowledged publishes at once. */
export const PUBLISH_INFLIGHT_MAX = 4_096;
/** Longest a started sink process may take to report that it runs (ts-node compiles first). */
export const SINK_START_TIMEOUT_MS = 90_000;
/** The targets: sink / min(raw insert, raw consume), and end-to-end lag p99. */
export const TARGET_RATIO = 0.5;
export const TARGET_LAG_P99_MS = 2_000;
/** JetStream API timeout for deleting the bench stream at the end. */
export const STREAM_DELETE_TIMEOUT_MS = 120_000;

/**
 * Retry state per slot bucket: a bucket whose entry failed to publish is not read again until its
 * capped exponential delay has passed; its first success clears it. 256 slots, so the state is
 * bounded. A JetStream outage fails every bucket (the relay as a whole backs off); one entry that
 * can never be published slows its own bucket only.
 */
import { backoffDelayMs } from '@app/runtime';

export class BucketBackoff {
  private readonly failures: Uint32Array;
  private readonly readyAtMs: Float64Array;

  constructor(
    private readonly buckets: number,
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {
    this.failures = new Uint32Array(buckets);
    this.readyAtMs = new Float64Array(buckets);
  }

  /** Buckets that may be read at `nowMs`. */
  readable(nowMs: number): number[] {
    const out: number[] = [];
    for (let b = 0; b < this.buckets; b++) if (this.readyAtMs[b] <= nowMs) out.push(b);
    return out;
  }

  /** Milliseconds until the next backing-off bucket becomes readable (Infinity if none backs off). */
  nextReadyInMs(nowMs: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (let b = 0; b < this.buckets; b++) if (this.readyAtMs[b] > nowMs) next = Math.min(next, this.readyAtMs[b] - nowMs);
    return next;
  }

  failed(bucket: number, nowMs: number): number {
    this.failures[bucket] += 1;
    const delay = backoffDelayMs(this.failures[bucket], { initialMs: this.baseMs, maxMs: this.maxMs });
    this.readyAtMs[bucket] = nowMs + delay;
    return delay;
  }

  succeeded(bucket: number): void {
    this.failures[bucket] = 0;
    this.readyAtMs[bucket] = 0;
  }

  failuresOf(bucket: number): number {
    return this.failures[bucket];
  }
}

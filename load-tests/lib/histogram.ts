/**
 * A fixed-bucket, log-linear latency histogram in the manner of HdrHistogram: values are whole
 * microseconds, every bucket is at most 1/64 (1.6 %) of its value wide, and two histograms merge
 * by adding their count arrays, so workers can ship theirs over IPC and the coordinator sums them.
 *
 * Layout: values 0..127 have a bucket each; above that, every power of two [2^k, 2^(k+1)) is split
 * into 64 equal buckets. Values above HISTOGRAM_MAX_US land in the last bucket (and are counted in
 * `overflow`), so recording never allocates and never throws.
 */

/** Largest latency resolved exactly enough: 2^27 µs, about 134 s. */
export const HISTOGRAM_MAX_US = 2 ** 27;
const SUB_BUCKET_BITS = 7; // 128 sub-buckets in the first range
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_HALF = SUB_BUCKET_COUNT >> 1;
const SHIFT_MAX = Math.log2(HISTOGRAM_MAX_US) - SUB_BUCKET_BITS;
/** Number of buckets of every histogram (fixed: merging needs equal layouts). */
export const HISTOGRAM_BUCKETS = SUB_BUCKET_COUNT + SHIFT_MAX * SUB_BUCKET_HALF;

/** Bucket index of a value in µs (pure). */
export function bucketIndex(valueUs: number): number {
  const v = valueUs <= 0 ? 0 : valueUs >= HISTOGRAM_MAX_US ? HISTOGRAM_MAX_US - 1 : Math.floor(valueUs);
  const msb = 31 - Math.clz32(v | (SUB_BUCKET_COUNT - 1));
  const shift = msb - (SUB_BUCKET_BITS - 1);
  if (shift === 0) return v;
  return SUB_BUCKET_COUNT + (shift - 1) * SUB_BUCKET_HALF + ((v >>> shift) - SUB_BUCKET_HALF);
}

/** Lowest value (µs) that falls in a bucket (pure). */
export function bucketLowUs(index: number): number {
  if (index < SUB_BUCKET_COUNT) return index;
  const rel = index - SUB_BUCKET_COUNT;
  const shift = Math.floor(rel / SUB_BUCKET_HALF) + 1;
  return (SUB_BUCKET_HALF + (rel % SUB_BUCKET_HALF)) * 2 ** shift;
}

/** Width of a bucket in µs (pure). */
export function bucketWidthUs(index: number): number {
  return index < SUB_BUCKET_COUNT ? 1 : 2 ** (Math.floor((index - SUB_BUCKET_COUNT) / SUB_BUCKET_HALF) + 1);
}

/** Plain-data form of a histogram, for IPC. */
export interface HistogramData {
  counts: number[];
  total: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  overflow: number;
}

export class Histogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  total = 0;
  sumUs = 0;
  minUs = Number.POSITIVE_INFINITY;
  maxUs = 0;
  overflow = 0;

  record(valueUs: number): void {
    this.counts[bucketIndex(valueUs)]++;
    this.total++;
    this.sumUs += valueUs;
    if (valueUs < this.minUs) this.minUs = valueUs;
    if (valueUs > this.maxUs) this.maxUs = valueUs;
    if (valueUs >= HISTOGRAM_MAX_US) this.overflow++;
  }

  merge(other: Histogram | HistogramData): this {
    const c = other.counts;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i] += c[i];
    this.total += other.total;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    this.overflow += other.overflow;
    return this;
  }

  /**
   * Value at a percentile (0..100), in µs: the upper edge of the bucket holding that rank, clamped
   * to the largest value seen, so a percentile never reads below the truth by more than a bucket.
   */
  percentileUs(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketLowUs(i) + bucketWidthUs(i) - 1, this.maxUs);
    }
    return this.maxUs;
  }

  meanUs(): number {
    return this.total === 0 ? Number.NaN : this.sumUs / this.total;
  }

  toData(): HistogramData {
    return {
      counts: Array.from(this.counts),
      total: this.total,
      sumUs: this.sumUs,
      minUs: this.total === 0 ? 0 : this.minUs,
      maxUs: this.maxUs,
      overflow: this.overflow,
    };
  }

  static fromData(d: HistogramData): Histogram {
    const h = new Histogram();
    if (d.total > 0) h.merge(d);
    return h;
  }
}

/** Milliseconds with a sensible number of decimals, for tables (pure). */
/** A histogram as a JSON report carries it: its count and percentiles in milliseconds. */
export function percentilesJson(h: Histogram): { count: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number } {
  return {
    count: h.total,
    p50Ms: h.percentileUs(50) / 1000,
    p99Ms: h.percentileUs(99) / 1000,
    p999Ms: h.percentileUs(99.9) / 1000,
    maxMs: h.maxUs / 1000,
  };
}

export function fmtMs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  const ms = us / 1000;
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

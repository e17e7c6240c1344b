// A fixed-size, log-bucketed histogram of durations in milliseconds (the DDSketch bucketing scheme).
// It lives inside Temporal workflow state, so it is plain JSON and its size is bounded by the bucket
// count (at most BUCKET_COUNT + 1 entries), never by the number of samples added.
//
// Error bound: bucket i holds values in (γ^(i-1), γ^i] with γ = (1 + α) / (1 - α), α = 0.02, and is
// reported as 2γ^i / (γ + 1). Every value in the bucket is within a relative error of α of that
// estimate, so quantile() returns a value within ±2% of the exact nearest-rank quantile of the samples
// (up to floating-point rounding at bucket edges). Two deliberate exceptions, both far outside any
// response SLA: values below 1 ms are counted as 0, and values above MAX_TRACKED_MS (366 days) are
// counted as MAX_TRACKED_MS.

export const RELATIVE_ACCURACY = 0.02;
export const MAX_TRACKED_MS = 366 * 24 * 60 * 60 * 1000;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const TOP_BUCKET = Math.ceil(Math.log(MAX_TRACKED_MS) / LOG_GAMMA);

export interface Histogram {
  count: number;
  /** Samples below 1 ms. */
  zeros: number;
  /** Bucket index -> sample count; only non-empty buckets are present. */
  buckets: Record<string, number>;
}

export function emptyHistogram(): Histogram {
  return { count: 0, zeros: 0, buckets: {} };
}

function bucketIndex(ms: number): number {
  return Math.min(TOP_BUCKET, Math.max(0, Math.ceil(Math.log(ms) / LOG_GAMMA)));
}

function bucketEstimate(index: number): number {
  return Math.min(MAX_TRACKED_MS, (2 * Math.pow(GAMMA, index)) / (GAMMA + 1));
}

/** Returns a new histogram with `ms` added; `h` is not modified. */
export function add(h: Histogram, ms: number): Histogram {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(`histogram sample must be a finite, non-negative number of ms, got ${ms}`);
  }
  if (ms < 1) return { ...h, count: h.count + 1, zeros: h.zeros + 1 };
  const key = String(bucketIndex(ms));
  return { count: h.count + 1, zeros: h.zeros, buckets: { ...h.buckets, [key]: (h.buckets[key] ?? 0) + 1 } };
}

/** Returns a new histogram holding the samples of both. */
export function merge(a: Histogram, b: Histogram): Histogram {
  const buckets = { ...a.buckets };
  for (const [key, n] of Object.entries(b.buckets)) buckets[key] = (buckets[key] ?? 0) + n;
  return { count: a.count + b.count, zeros: a.zeros + b.zeros, buckets };
}

export function count(h: Histogram): number {
  return h.count;
}

/**
 * The nearest-rank q-quantile (the ceil(q·n)-th smallest sample, the smallest for q = 0), within ±2%;
 * null when the histogram is empty.
 */
export function quantile(h: Histogram, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must be within [0, 1], got ${q}`);
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let seen = h.zeros;
  if (seen >= rank) return 0;
  const indices = Object.keys(h.buckets)
    .map(Number)
    .sort((x, y) => x - y);
  for (const index of indices) {
    seen += h.buckets[String(index)];
    if (seen >= rank) return bucketEstimate(index);
  }
  throw new Error(`histogram is inconsistent: count ${h.count} exceeds the ${seen} samples in its buckets`);
}

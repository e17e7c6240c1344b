// Small statistics for bench figures.

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile: no samples');
  if (p < 0 || p > 100) throw new Error(`percentile: p must be within 0..100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface Spread {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
}

export function spreadOf(samples: number[]): Spread {
  return {
    count: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
  };
}

/** Events per second; a zero-length interval is an error, not Infinity. */
export function perSecond(count: number, elapsedMs: number): number {
  if (elapsedMs <= 0) throw new Error(`perSecond: elapsed time must be positive, got ${elapsedMs} ms`);
  return (count * 1000) / elapsedMs;
}

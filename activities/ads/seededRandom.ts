// Small deterministic PRNG for the sandbox: same seed, same campaign, every run.

/** mulberry32: a 32-bit generator returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent stream per (seed, index): a day's random draws do not depend on how many draws other
 * days made, so reading the simulation at different times never changes its past.
 */
export function streamFor(seed: number, index: number): () => number {
  return mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}

// A small seeded PRNG (mulberry32) for the sandbox adapters: same seed, same simulated world.

/** FNV-1a: turns a string key into a 32-bit seed, so independent streams can be derived from one seed. */
export function hashSeed(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class SeededRandom {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller); always consumes two uniforms. */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) is undefined
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space spread: response times have long right tails. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean: gaps between Poisson arrivals. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A key drawn with probability proportional to its weight. */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K {
    const entries = (Object.entries(weights) as [K, number | undefined][]).map(([key, weight]): [K, number] => [
      key,
      weight ?? 0,
    ]);
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1][0];
  }
}

/**
 * An independent stream per (seed, index): a day's random draws do not depend on how many draws other
 * days made, so reading the simulation at different times never changes its past.
 */
export function streamFor(seed: number, index: number): () => number {
  const random = new SeededRandom((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  return () => random.next();
}

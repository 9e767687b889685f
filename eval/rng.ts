// Seeded pseudo-random numbers for the evaluation generator (mulberry32: tiny,
// fast, good enough for simulation; not for anything secret). Every draw of the
// generator comes from an Rng derived from the run's seed, so a seed names one
// exact dataset.

export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }

  /** Derive an independent stream (per day, per person...) so adding events in one place does not shift another. */
  fork(...salt: number[]): Rng {
    let h = this.#s ^ 0x85ebca6b;
    for (const x of salt) h = Math.imul(h ^ (x + 0x27d4eb2d), 0x165667b1) ^ (h >>> 15);
    return new Rng(h);
  }

  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  poisson(lambda: number): number {
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }

  /** k distinct items (or all if fewer). */
  sample<T>(xs: readonly T[], k: number): T[] {
    if (k >= xs.length) return [...xs];
    const out = new Set<number>();
    while (out.size < k) out.add(Math.floor(this.next() * xs.length));
    return [...out].map((i) => xs[i]!);
  }
}

// Running mean and variance by Welford's online algorithm (Welford 1962; Knuth
// TAOCP vol. 2, 4.2.2): numerically stable, O(1) memory, and equal to the batch
// sample mean/variance while fewer than `cap` values were seen. Past `cap` the
// count stops growing, which turns the update into an exponentially weighted
// average with weight 1/cap: old behaviour fades so a baseline follows a person
// who changes jobs instead of remembering their first month forever.

export interface WelfordState {
  n: number;
  mean: number;
  m2: number;
}

export class Welford {
  n = 0;
  mean = 0;
  m2 = 0;

  constructor(readonly cap = Number.POSITIVE_INFINITY) {}

  add(x: number): void {
    const frozen = this.n >= this.cap;
    if (!frozen) this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    // Once n is frozen, shrink m2 so m2/(n-1) stays a (weighted) variance instead of growing as a sum.
    if (frozen) this.m2 *= (this.n - 1) / this.n;
  }

  /** Sample variance (n-1 denominator); 0 until two values were seen. */
  get variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }

  get sd(): number {
    return Math.sqrt(this.variance);
  }

  /** Standard score of x, with the spread floored so a very regular person is not flagged for a tiny change. */
  z(x: number, sdFloor: number): number {
    return (x - this.mean) / Math.max(this.sd, sdFloor);
  }

  toJSON(): WelfordState {
    return { n: this.n, mean: this.mean, m2: this.m2 };
  }

  static from(s: WelfordState, cap?: number): Welford {
    const w = new Welford(cap);
    w.n = s.n;
    w.mean = s.mean;
    w.m2 = s.m2;
    return w;
  }
}

/** Exponentially weighted moving average of a rate in [0,1], starting from a prior. */
export function ewma(prev: number, x: number, alpha: number): number {
  return prev + alpha * (x - prev);
}

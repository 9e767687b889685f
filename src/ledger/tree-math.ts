// Integer helpers for RFC 6962 tree shapes, exact up to 2^53 (JS bit operators
// truncate to 32 bits, so these use arithmetic).

/** Largest power of two strictly below n (n ≥ 2): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

// Bloom filter (Bloom 1970) with k = 4 probes by double hashing of two 32-bit
// FNV-1a variants (Kirsch & Mitzenmacher 2006). Used for "has this peer group
// ever touched this record?": memory is fixed by the bit count no matter how many
// patients or customers exist; a false positive only hides a finding, never
// invents one.

const K = 4;
/** The two keys hashed last and their hashes (BloomFilter.hashes). */
const lastKeys: (string | undefined)[] = [undefined, undefined];
const lastHashes: (readonly [number, number] | undefined)[] = [undefined, undefined];

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class BloomFilter {
  readonly bits: Uint8Array;
  readonly size: number;

  constructor(sizeBits: number, bits?: Uint8Array) {
    this.size = Math.max(8, Math.ceil(sizeBits / 8) * 8);
    this.bits = bits && bits.length === this.size / 8 ? bits : new Uint8Array(this.size / 8);
  }

  /**
   * The two base hashes of a key, to probe several filters of the same size without re-hashing. One access
   * probes and adds its keys in several filters (everything seen, the team's days): the latest keys' hashes
   * are kept (a statement value is an HMAC of 64 hex digits). Callers must not change the pair returned.
   */
  static hashes(key: string): readonly [number, number] {
    const i = lastKeys[0] === key ? 0 : lastKeys[1] === key ? 1 : -1;
    if (i >= 0) return lastHashes[i]!;
    const h: readonly [number, number] = [fnv1a(key, 0x811c9dc5), fnv1a(key, 0x9747b28c) | 1];
    lastKeys[1] = lastKeys[0];
    lastHashes[1] = lastHashes[0];
    lastKeys[0] = key;
    lastHashes[0] = h;
    return h;
  }

  add(key: string): void {
    this.addHashed(BloomFilter.hashes(key));
  }

  // Indexing, not `[h1, h2]` destructuring: a destructured parameter runs the iterator protocol (an allocation per probe).
  addHashed(h: readonly [number, number]): void {
    const h1 = h[0];
    const h2 = h[1];
    for (let i = 0; i < K; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % this.size;
      this.bits[b >>> 3]! |= 1 << (b & 7);
    }
  }

  has(key: string): boolean {
    return this.hasHashed(BloomFilter.hashes(key));
  }

  hasHashed(h: readonly [number, number]): boolean {
    const h1 = h[0];
    const h2 = h[1];
    for (let i = 0; i < K; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % this.size;
      if ((this.bits[b >>> 3]! & (1 << (b & 7))) === 0) return false;
    }
    return true;
  }

  toJSON(): { size: number; bits: string } {
    return { size: this.size, bits: Buffer.from(this.bits).toString('base64') };
  }

  static from(s: { size: number; bits: string }): BloomFilter {
    return new BloomFilter(s.size, new Uint8Array(Buffer.from(s.bits, 'base64')));
  }
}

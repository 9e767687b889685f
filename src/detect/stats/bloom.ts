// Bloom filter (Bloom 1970) with k = 4 probes by double hashing of two 32-bit
// FNV-1a variants (Kirsch & Mitzenmacher 2006). Used for "has this peer group
// ever touched this record?": memory is fixed by the bit count no matter how many
// patients or customers exist; a false positive only hides a finding, never
// invents one.

const K = 4;

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

  #probe(key: string, visit: (bit: number) => boolean): boolean {
    const h1 = fnv1a(key, 0x811c9dc5);
    const h2 = fnv1a(key, 0x9747b28c) | 1;
    for (let i = 0; i < K; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      if (!visit(bit % this.size)) return false;
    }
    return true;
  }

  add(key: string): void {
    this.#probe(key, (b) => {
      this.bits[b >>> 3]! |= 1 << (b & 7);
      return true;
    });
  }

  has(key: string): boolean {
    return this.#probe(key, (b) => (this.bits[b >>> 3]! & (1 << (b & 7))) !== 0);
  }

  toJSON(): { size: number; bits: string } {
    return { size: this.size, bits: Buffer.from(this.bits).toString('base64') };
  }

  static from(s: { size: number; bits: string }): BloomFilter {
    return new BloomFilter(s.size, new Uint8Array(Buffer.from(s.bits, 'base64')));
  }
}

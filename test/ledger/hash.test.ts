// RFC 6962 hashing: the batched WebAssembly SIMD paths agree with node:crypto byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchHashingAccelerated, EMPTY_ROOT, hashNodePairs, leafHash, leafHashes, nodeHash, toHex } from '../../src/ledger/index.js';

const sha = (...parts: Uint8Array[]): string => {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest('hex');
};

describe('hashing', () => {
  it('uses WebAssembly SIMD on Node 20', () => expect(batchHashingAccelerated()).toBe(true));
  it('single hashes follow RFC 6962', () => {
    const a = randomBytes(32), b = randomBytes(32), e = randomBytes(100);
    expect(toHex(nodeHash(a, b))).toBe(sha(Buffer.from([1]), a, b));
    expect(toHex(leafHash(e))).toBe(sha(Buffer.from([0]), e));
    expect(toHex(EMPTY_ROOT)).toBe(sha());
  });
  it('hashNodePairs matches node:crypto for every count 0..9 and across chunks', () => {
    for (const count of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1023, 1024, 1025, 3000]) {
      const pairs = randomBytes(count * 64 + 7);
      const out = new Uint8Array(count * 32 + 5);
      hashNodePairs(pairs, 7, count, out, 5);
      for (let i = 0; i < count; i++) {
        expect(toHex(out.subarray(5 + 32 * i, 5 + 32 * i + 32)), `count ${count} pair ${i}`).toBe(sha(Buffer.from([1]), pairs.subarray(7 + 64 * i, 7 + 64 * i + 64)));
      }
    }
  });
  it('leafHashes matches node:crypto at every padding boundary and mixed lengths in one group', () => {
    const lengths = [0, 1, 53, 54, 55, 56, 62, 63, 64, 65, 118, 119, 120, 127, 128, 300, 1000, 1024, 1025, 4096, 65535];
    const entries = lengths.map((n) => randomBytes(n));
    // Mixed lengths side by side exercise the per-lane masks.
    for (let shift = 0; shift < 4; shift++) {
      const batch = [...entries.slice(shift), ...entries.slice(0, shift)];
      const out = leafHashes(batch);
      batch.forEach((e, i) => expect(toHex(out.subarray(32 * i, 32 * i + 32)), `len ${e.byteLength}`).toBe(sha(Buffer.from([0]), e)));
    }
  });
  it('leafHashes splits batches larger than its buffers', () => {
    const many = Array.from({ length: 5000 }, (_, i) => randomBytes(i % 200));
    const huge = Array.from({ length: 40 }, () => randomBytes(65535));
    const allSmallButLarge = Array.from({ length: 3000 }, (_, i) => randomBytes(900 + (i % 124)));
    for (const batch of [many, huge, allSmallButLarge]) {
      const out = new Uint8Array(batch.length * 32 + 32);
      leafHashes(batch, out, 32);
      for (let i = 0; i < batch.length; i += 97) expect(toHex(out.subarray(32 + 32 * i, 64 + 32 * i))).toBe(sha(Buffer.from([0]), batch[i] as Uint8Array));
      expect(toHex(out.subarray(32 + 32 * (batch.length - 1)))).toBe(sha(Buffer.from([0]), batch[batch.length - 1] as Uint8Array));
    }
  });
});

// FifoMap / FifoSet: deleteOldest drops exactly the key `m.delete(m.keys().next().value)`
// would, under any mix of inserts, re-inserts, deletes, clears and evictions, including
// a map emptied (its kept iterator finished) and filled again.
import { describe, expect, it } from 'vitest';
import { FifoMap, FifoSet } from '../../src/ledger/fifo-map.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('FifoMap and FifoSet', () => {
  it('evict in insertion order exactly as the first key of a plain Map or Set', () => {
    for (let trial = 0; trial < 100; trial++) {
      const rnd = lcg(trial + 1);
      const cap = 1 + Math.floor(rnd() * 40);
      const plain = new Map<number, number>();
      const fifo = new FifoMap<number, number>();
      const plainSet = new Set<number>();
      const fifoSet = new FifoSet<number>();
      for (let i = 0; i < 3000; i++) {
        const k = Math.floor(rnd() * 100);
        const r = rnd();
        if (r < 0.2) {
          plain.delete(k), fifo.delete(k), plainSet.delete(k), fifoSet.delete(k);
        } else if (r < 0.22) {
          // Emptied one key at a time (the kept iterator finishes), or cleared.
          if (rnd() < 0.5) for (const x of [...plain.keys()]) expect(fifo.deleteOldest()).toBe(x), plain.delete(x);
          else plain.clear(), fifo.clear();
          expect(fifo.deleteOldest()).toBeUndefined();
          for (const x of [...plainSet]) expect(fifoSet.deleteOldest()).toBe(x), plainSet.delete(x);
          expect(fifoSet.deleteOldest()).toBeUndefined();
        } else {
          if (!plain.has(k) && plain.size >= cap) {
            const first = plain.keys().next().value!;
            plain.delete(first);
            expect(fifo.deleteOldest()).toBe(first);
          }
          plain.set(k, i), fifo.set(k, i);
          if (!plainSet.has(k) && plainSet.size >= cap) {
            const first = plainSet.values().next().value!;
            plainSet.delete(first);
            expect(fifoSet.deleteOldest()).toBe(first);
          }
          plainSet.add(k), fifoSet.add(k);
        }
      }
      expect([...fifo]).toEqual([...plain]);
      expect([...fifoSet]).toEqual([...plainSet]);
    }
  });

  it('starts from entries given to the constructor, oldest first', () => {
    const m = new FifoMap([['a', 1], ['b', 2]]);
    m.set('c', 3);
    expect([m.deleteOldest(), m.deleteOldest(), m.deleteOldest(), m.deleteOldest()]).toEqual(['a', 'b', 'c', undefined]);
  });
});

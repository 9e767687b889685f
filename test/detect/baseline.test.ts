// Baseline math: incremental statistics equal their batch definitions, bounded
// structures stay bounded, risk decays with its half-life.
import { mean, sampleVariance } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { RiskBook } from '../../src/detect/risk.js';
import { combine } from '../../src/detect/signals.js';
import { BloomFilter } from '../../src/detect/stats/bloom.js';
import { HourHistogram } from '../../src/detect/stats/hour-histogram.js';
import { NameCounts } from '../../src/detect/stats/name-counts.js';
import { Welford } from '../../src/detect/stats/welford.js';
import type { Finding } from '../../src/detect/finding.js';

describe('Welford', () => {
  const series: [string, number[]][] = [
    ['constant', [5, 5, 5, 5]],
    ['two values', [1, 3]],
    ['log rows', [1, 20, 3, 400, 7, 7, 12, 90000].map(Math.log1p)],
    ['large offset (cancellation)', [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]],
    ['pseudo-random', Array.from({ length: 500 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 10)],
  ];
  it.each(series)('incremental equals batch: %s', (_, xs) => {
    const w = new Welford();
    for (const x of xs) w.add(x);
    expect(w.n).toBe(xs.length);
    expect(w.mean).toBeCloseTo(mean(xs), 9);
    expect(w.variance).toBeCloseTo(sampleVariance(xs), 6);
  });

  it('with a cap, follows a shifted level instead of averaging all history', () => {
    const w = new Welford(20);
    for (let i = 0; i < 1000; i++) w.add(i % 2);
    for (let i = 0; i < 200; i++) w.add(10 + (i % 2));
    expect(w.n).toBe(20);
    expect(w.mean).toBeGreaterThan(10);
    expect(w.mean).toBeLessThan(11);
    expect(w.sd).toBeGreaterThan(0.3);
    expect(w.sd).toBeLessThan(1);
  });
});

describe('bounded structures', () => {
  it('hour histogram shares sum to 1, neighbours smooth, weight stays under the cap', () => {
    const h = new HourHistogram(100);
    for (let i = 0; i < 1000; i++) h.add(9 + (i % 8));
    expect(h.total).toBeLessThanOrEqual(100);
    const total = Array.from({ length: 24 }, (_, x) => h.share(x)).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
    expect(h.share(8)).toBeGreaterThan(0);
    expect(h.share(3)).toBe(0);
    expect(h.usualHours()).toBe('09–16h');
  });

  it('bloom filter has no false negatives and a low false-positive rate', () => {
    const b = new BloomFilter(1 << 16);
    for (let i = 0; i < 5000; i++) b.add(`p-${i}`);
    for (let i = 0; i < 5000; i++) expect(b.has(`p-${i}`)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 5000; i++) if (b.has(`q-${i}`)) fp++;
    expect(fp / 5000).toBeLessThan(0.02);
    const copy = BloomFilter.from(JSON.parse(JSON.stringify(b)));
    expect(copy.has('p-42')).toBe(true);
  });

  it('name counts forget the least-seen name when full', () => {
    const n = new NameCounts(2);
    n.add('a');
    n.add('a');
    n.add('b');
    n.add('c');
    expect([...n.counts.keys()].sort()).toEqual(['a', 'c']);
  });

  it('forgets exactly the name a full scan would (the first least-seen in insertion order), also after a restore', () => {
    // The reference: the scan NameCounts did before it kept the names seen once apart.
    const reference = (cap: number) => {
      const m = new Map<string, number>();
      return {
        m,
        add(name: string) {
          const c = m.get(name);
          if (c !== undefined) return void m.set(name, c + 1);
          if (m.size >= cap) {
            let least: string | undefined;
            let leastCount = Infinity;
            for (const [n, k] of m) if (k < leastCount) (least = n), (leastCount = k);
            m.delete(least!);
          }
          m.set(name, 1);
        },
      };
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const cap of [1, 3, 16]) {
      const ref = reference(cap);
      let n = new NameCounts(cap);
      for (let i = 0; i < 5000; i++) {
        // Mostly a few hot names, sometimes a one-off (the case that used to scan the whole map).
        const name = next() < 0.7 ? `hot${Math.floor(next() * (cap + 2))}` : `once${i}`;
        ref.add(name);
        n.add(name);
        if (i % 997 === 0) n = new NameCounts(cap, n.toJSON()); // a snapshot round trip keeps the order
        expect([...n.counts], `cap ${cap} step ${i}`).toEqual([...ref.m]);
      }
    }
  });
});

describe('scores', () => {
  it('combines signals by noisy-OR', () => {
    expect(combine([])).toBe(0);
    expect(combine([{ rule: 'off-hours', strength: 0.5, reason: '' }])).toBe(50);
    expect(combine([{ rule: 'off-hours', strength: 0.5, reason: '' }, { rule: 'foreign-record', strength: 0.5, reason: '' }])).toBe(75);
    expect(combine([{ rule: 'bypass', strength: 1, reason: '' }, { rule: 'purpose', strength: 0.3, reason: '' }])).toBe(100);
  });

  it('risk decays by half every half-life and is explained by its top findings', () => {
    const book = new RiskBook(24);
    const t = Date.UTC(2026, 0, 1);
    const f = (id: string, score: number, reason: string): Finding => ({
      id,
      rule: 'off-hours',
      subject: 'alice',
      alsoConcerns: [],
      severity: 'medium',
      score,
      reasons: [reason],
      entries: [1],
      time: new Date(t).toISOString(),
    });
    book.add(f('a', 80, 'late'), t);
    expect(book.raw('alice', t)).toBe(80);
    expect(book.raw('alice', t + 24 * 3_600_000)).toBeCloseTo(40, 9);
    expect(book.raw('alice', t + 72 * 3_600_000)).toBeCloseTo(10, 9);
    book.add(f('b', 40, 'bulk'), t + 24 * 3_600_000);
    expect(book.raw('alice', t + 24 * 3_600_000)).toBeCloseTo(80, 9);
    const e = book.explain('alice', t + 24 * 3_600_000);
    expect(e.score).toBe(Math.round(100 * (1 - Math.exp(-0.8))));
    expect(e.top.map((x) => [x.id, x.contribution])).toEqual([
      ['a', 40],
      ['b', 40],
    ]);
    expect(book.explain('nobody', t).score).toBe(0);
  });
});

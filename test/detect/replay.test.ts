// Determinism: the same entries give the same findings; a snapshot taken
// mid-stream and restored continues exactly like a straight run; bad input
// never crashes the detector.
import { describe, expect, it } from 'vitest';
import { Detector, type DetectorSnapshot } from '../../src/detect/detector.js';
import type { Finding } from '../../src/detect/finding.js';
import { generate } from '../../eval/generator.js';

function dataset() {
  const ds = generate({ seed: 3, people: 80, days: 12, warmupDays: 6, perScenario: 1, inject: true });
  const entries: { index: number; entry: Record<string, unknown> }[] = [];
  for (const b of ds.days()) entries.push(...b.entries);
  return { ds, entries };
}

function run(d: Detector, entries: { index: number; entry: unknown }[]): Finding[] {
  return entries.flatMap(({ index, entry }) => d.observe(index, entry));
}

describe('replay', () => {
  const { ds, entries } = dataset();
  const straight = run(new Detector(ds.detectorConfig), entries);

  it('raises findings on the generated traffic, the same ones on every replay', () => {
    expect(straight.length).toBeGreaterThan(10);
    expect(run(new Detector(ds.detectorConfig), entries)).toEqual(straight);
  });

  it('snapshot/restore mid-stream (through JSON) equals the straight run', () => {
    for (const cut of [Math.floor(entries.length / 3), Math.floor((entries.length * 3) / 4)]) {
      const first = new Detector(ds.detectorConfig);
      const before = run(first, entries.slice(0, cut));
      const snap = JSON.parse(JSON.stringify(first.snapshot())) as DetectorSnapshot;
      const resumed = Detector.restore(snap, ds.detectorConfig);
      expect(resumed.nextIndex).toBe(entries[cut]!.index);
      const after = run(resumed, entries.slice(cut));
      expect([...before, ...after]).toEqual(straight);
      // The snapshot is a copy: observing more does not change it.
      expect(JSON.parse(JSON.stringify(first.snapshot()))).toEqual(snap);
    }
  });

  it('ignores entries it has already observed (a re-delivering follower raises nothing twice)', () => {
    const d = new Detector(ds.detectorConfig);
    const half = entries.slice(0, 2000);
    run(d, half);
    expect(run(d, half)).toEqual([]);
  });

  it('refuses a snapshot made with another config, with a code', () => {
    const d = new Detector(ds.detectorConfig);
    expect(() => Detector.restore(d.snapshot(), { ...ds.detectorConfig, minScore: 50 })).toThrow(expect.objectContaining({ code: 'DETECT_SNAPSHOT_MISMATCH' }));
  });
});

describe('bad input', () => {
  it('skips entries it cannot read and never throws on them', () => {
    const d = new Detector();
    const junk: unknown[] = [null, 7, 'x', [], {}, { kind: 'access' }, { kind: 'access', time: 'yesterday', person: 'a' }, { kind: 'access', time: '2026-01-01T00:00:00.000Z' }, { kind: 'outcome', time: '2026-01-01T00:00:00.000Z', access: -1 }, { kind: 'access', time: '2026-01-01T00:00:00.000Z', person: 'a', resource: { ids: 5 }, statement: { values: [1, null] }, client: 'x' }, { kind: 'governance.approval', time: '2026-01-01T00:00:00.000Z', signature: 5 }];
    junk.forEach((e, i) => expect(d.observe(i, e)).toEqual([]));
    expect(d.nextIndex).toBe(junk.length);
  });

  it('rejects a bad index and a bad config with codes', () => {
    expect(() => new Detector().observe(-1, {})).toThrow(expect.objectContaining({ code: 'INVALID_INDEX' }));
    expect(() => new Detector({ minScore: 300 })).toThrow(expect.objectContaining({ code: 'INVALID_DETECT_CONFIG' }));
    expect(() => new Detector({ purposes: [{ match: {}, pattern: '(' }] })).toThrow(expect.objectContaining({ code: 'INVALID_DETECT_CONFIG' }));
  });
});

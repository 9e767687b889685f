// run.ts: follower → detector → sink, with the snapshot file as the durable
// cursor (real files in a temp directory; the source is any async iterable of
// entries, as the log follower yields them).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detect/finding.js';
import { loadDetector, runDetector } from '../../src/detect/run.js';
import { AFTER_DAYS, stream } from './run-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ilog-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* source(entries: { index: number; entry: unknown }[]) {
  for (const e of entries) yield e;
}

describe('runDetector', () => {
  // Small filters keep each durable snapshot write cheap.
  const config = { watchlist: [{ ids: ['p-vip'], label: 'VIP patient Q' }], limits: { groupFilterBits: 8192 } };
  const entries = stream(AFTER_DAYS);

  it('delivers findings to the sink and resumes from its snapshot without raising them twice', async () => {
    const file = join(dir, 'detector.json');
    const first: Finding[] = [];
    const cut = Math.floor(entries.length / 2);
    const d1 = loadDetector(config, file);
    await runDetector({ source: source(entries.slice(0, cut)), sink: (f) => void first.push(f), detector: d1, snapshotFile: file, snapshotEveryEntries: 50 });
    expect(JSON.parse(readFileSync(file, 'utf8')).next).toBe(cut);

    // Restart: the follower starts at the detector's next index; the already-seen half is skipped even if re-delivered.
    const d2 = loadDetector(config, file);
    expect(d2.nextIndex).toBe(cut);
    const second: Finding[] = [];
    await runDetector({ source: source(entries), sink: (f) => void second.push(f), detector: d2, snapshotFile: file });

    const straight: Finding[] = [];
    await runDetector({ source: source(entries), sink: (f) => void straight.push(f), detector: loadDetector(config) });
    expect([...first, ...second]).toEqual(straight);
    expect(straight.some((f) => f.rule === 'watchlist')).toBe(true);
  });

  it('starts afresh (replay from 0) when the snapshot was made with another config or is torn', () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, '{"v":1,"config":"x"');
    expect(loadDetector(config, file).nextIndex).toBe(0);
    writeFileSync(file, JSON.stringify({ ...loadDetector({}).snapshot(), next: 5 }));
    expect(loadDetector(config, file).nextIndex).toBe(0);
  });

  it('does not advance the snapshot past a finding the sink failed to take', async () => {
    const file = join(dir, 'failing.json');
    const d = loadDetector(config, file);
    // The entry whose observation raises the (held) VIP finding.
    const probe = loadDetector(config);
    const raiser = entries.findIndex((e) => probe.observe(e.index, e.entry).length > 0);
    expect(raiser).toBeGreaterThan(0);
    await expect(
      runDetector({
        source: source(entries),
        sink: () => Promise.reject(new Error('alert store down')),
        detector: d,
        snapshotFile: file,
        snapshotEveryEntries: 1,
      }),
    ).rejects.toThrow('alert store down');
    expect(JSON.parse(readFileSync(file, 'utf8')).next).toBeLessThanOrEqual(raiser);
    // Nor when the last save was long before: the run's end does not save the state past the failed finding.
    const sparse = join(dir, 'failing-sparse.json');
    await expect(
      runDetector({ source: source(entries), sink: () => Promise.reject(new Error('alert store down')), detector: loadDetector(config, sparse), snapshotFile: sparse, snapshotEveryEntries: 1_000_000, snapshotEveryMs: 3_600_000 }),
    ).rejects.toThrow('alert store down');
    expect(existsSync(sparse) ? JSON.parse(readFileSync(sparse, 'utf8')).next : 0).toBeLessThanOrEqual(raiser);
  });
});

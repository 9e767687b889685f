// run.ts with the real log: entries appended by the storage area's Appender
// (SQLite file, canonical encoding, validation) are read back by the service
// area's Follower (src/log/follower.ts, `{ index, bytes, entry }`) through
// `followLog`, and the detector raises findings about them. The genesis entry
// (index 0) is read too and ignored by the detector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detect/finding.js';
import { followLog, loadDetector, runDetector } from '../../src/detect/run.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { AFTER_DAYS, stream } from './run-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'ilog-detect-follow-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('followLog with the real Appender and Follower', () => {
  it('sees findings about entries appended to a real log, and resumes from its snapshot', async () => {
    const dir = join(root, 'log');
    await initLog(dir, { origin: 'example.com/detect-test' });
    const appender = await Appender.open(dir, { writerThread: false });
    const entries = stream(AFTER_DAYS).map((e) => e.entry);
    const first = await Promise.all(entries.map((e) => appender.append(e)));
    expect(first[0]).toBe(1); // after genesis
    const vipIndex = first[entries.findIndex((e) => JSON.stringify(e).includes('p-vip'))]!;

    const config = { watchlist: [{ ids: ['p-vip'], label: 'VIP patient Q' }], limits: { groupFilterBits: 8192 } };
    const snapshotFile = join(root, 'detector.json');
    const storage = SqliteLogStorage.open(dir);
    const total = entries.length + 1;
    try {
      const detector = loadDetector(config, snapshotFile);
      const found: Finding[] = [];
      const stop = new AbortController();
      const source = await followLog(storage, detector);
      const run = runDetector({
        source,
        detector,
        snapshotFile,
        signal: stop.signal,
        sink: (f) => void found.push(f),
      });
      // The follower never ends on its own: stop once everything appended so far was observed.
      for (let i = 0; i < 400 && detector.nextIndex < total; i++) await new Promise((r) => setTimeout(r, 25));
      stop.abort();
      expect(await run).toEqual({ observed: total, findings: found.length });
      const vip = found.find((f) => f.rule === 'watchlist');
      expect(vip?.subject).toBe('bob');
      expect(vip?.entries).toContain(vipIndex);

      // Entries appended later are followed from the snapshot's cursor, not from 0.
      await appender.append(entries[entries.length - 21]!); // bob's VIP look-up again, a day later
      const again = loadDetector(config, snapshotFile);
      expect(again.nextIndex).toBe(total);
      const more: Finding[] = [];
      const stop2 = new AbortController();
      const run2 = runDetector({ source: await followLog(storage, again), detector: again, signal: stop2.signal, sink: (f) => void more.push(f) });
      for (let i = 0; i < 400 && again.nextIndex < total + 1; i++) await new Promise((r) => setTimeout(r, 25));
      stop2.abort();
      expect((await run2).observed).toBe(1);
    } finally {
      storage.close();
      await appender.close();
    }
  });
});

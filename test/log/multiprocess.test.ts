import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { checkLog } from './check-log.js';
import { spawnAppendChild } from './children.js';
import { taggedEntry } from './tagged-entry.js';

const ORIGIN = 'test.example/multiprocess';

describe('appends from several processes at once', () => {
  const root = mkdtempSync(join(tmpdir(), 'ilog-mp-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('hands out unique, consecutive indexes and keeps every entry at its index', async () => {
    const dir = join(root, 'data');
    const log = await initLog(dir, { origin: ORIGIN });
    const perWriter = 1500;
    const children = ['a', 'b'].map((tag) => spawnAppendChild(dir, tag, perWriter));
    const appender = await Appender.open(dir);
    await Promise.all(children.map((c) => c.acked(1))); // both children are appending now
    const own: [number, number][] = [];
    for (let n = 0; n < perWriter; n += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, k) => appender.append(taggedEntry('p', n + k))));
      batch.forEach((index, k) => own.push([index, n + k]));
    }
    const exits = await Promise.all(children.map((c) => c.exited));
    for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });
    await appender.close();

    const all = [...own.map(([i, n]) => ({ i, tag: 'p', n })), ...children.flatMap((c, k) => c.acks.map(([i, n]) => ({ i, tag: ['a', 'b'][k] as string, n })))];
    expect(all).toHaveLength(3 * perWriter);
    expect(all.map((x) => x.i).sort((x, y) => x - y)).toEqual(all.map((_, k) => k + 1)); // genesis is 0
    const storage = SqliteLogStorage.open(dir);
    const entries = checkLog(storage, log.vkey, ORIGIN);
    expect(entries).toHaveLength(3 * perWriter + 1);
    for (const { i, tag, n } of all) expect(Buffer.from(entries[i] as Uint8Array)).toEqual(Buffer.from(taggedEntry(tag, n)));
    expect(storage.integratedSize()).toBe(entries.length);
    storage.close();
  }, 120_000);
});

// kill -9 at random instants: every index a writer acknowledged must survive
// with its exact bytes, and the tiles, root and checkpoints left behind by
// killed integrators and checkpointers must still be those of one tree.
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

const ORIGIN = 'test.example/crash';
const ROUNDS = 20;

describe('crash safety', () => {
  const root = mkdtempSync(join(tmpdir(), 'ilog-crash-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`keeps every acknowledged append across ${ROUNDS} kill -9s`, async () => {
    const dir = join(root, 'data');
    const log = await initLog(dir, { origin: ORIGIN });
    const acked: { index: number; tag: string; n: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const tag = `r${round}`;
      // Vary the load, and the writer: on the writer thread once it is up, inline, or moving between the two by commit time.
      const child = spawnAppendChild(dir, tag, -1, 1 + (round % 4) * 30, (['thread', 'inline', 'auto'] as const)[round % 3]!);
      await child.acked(1 + Math.floor(Math.random() * 400));
      await new Promise((r) => setTimeout(r, Math.random() * 50));
      child.proc.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal, exit.stderr).toBe('SIGKILL');
      for (const [index, n] of child.acks) acked.push({ index, tag, n });
    }
    const storage = SqliteLogStorage.open(dir);
    expect(new Set(acked.map((a) => a.index)).size).toBe(acked.length);
    for (const { index, tag, n } of acked) {
      expect(Buffer.from(storage.readEntries(index, index + 1)[0] ?? []), `entry ${index}`).toEqual(Buffer.from(taggedEntry(tag, n)));
    }
    checkLog(storage, log.vkey, ORIGIN); // as the killed processes left it
    // A fresh writer finishes the integration and signs; the result is still one consistent tree.
    const appender = await Appender.open(dir);
    await appender.checkpoint();
    await appender.close();
    const entries = checkLog(storage, log.vkey, ORIGIN);
    expect(storage.integratedSize()).toBe(entries.length);
    storage.close();
  }, 600_000); // 20 process starts: slow on a busy machine
});

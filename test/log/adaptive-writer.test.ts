// The adaptive writer (src/log/adaptive-writer.ts): commits inline while they are quick,
// on the writer thread while they are slow, and never reorders writes when it moves.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptiveWriter } from '../../src/log/adaptive-writer.js';
import { threadWriter, type ThreadWriter } from '../../src/log/appender-writer.js';
import { initLog } from '../../src/log/appender-init.js';
import type { LogStorage } from '../../src/storage/log-storage.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';

const entry = (n: number): Uint8Array => Buffer.from(JSON.stringify({ kind: 'access', n, v: 1 }));
/** Quick and slow by a wide margin, so that a loaded machine cannot blur them. */
const MAX_INLINE_MS = 20;
const SLOW_MS = 60;

/** A storage whose inline appends take SLOW_MS longer while `slow` is set (a busy disk; the thread's own connection is not slowed). */
function slowed(storage: SqliteLogStorage): LogStorage & { slow: boolean } {
  const s = Object.create(storage) as LogStorage & { slow: boolean };
  s.slow = false;
  s.appendBatch = (entries) => {
    if (s.slow) for (const until = performance.now() + SLOW_MS; performance.now() < until; );
    return storage.appendBatch(entries);
  };
  return s;
}

describe('adaptiveWriter', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async (): Promise<{ dir: string; storage: SqliteLogStorage }> => {
    // On tmpfs where there is one: the thread's commits are then quick whatever the disk is doing; slowness is simulated.
    const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ilog-adaptive-'));
    dirs.push(root);
    const dir = join(root, 'data');
    await initLog(dir, { origin: 'test.example/adaptive' });
    return { dir, storage: SqliteLogStorage.open(dir) };
  };
  const stored = (storage: SqliteLogStorage, count: number): number[] => storage.readEntries(1, 1 + count).map((b) => JSON.parse(Buffer.from(b).toString('utf8')).n);

  it('commits inline while commits are quick, and on the thread while they are slow, in order throughout', async () => {
    const { dir, storage } = await open();
    const store = slowed(storage);
    const w = adaptiveWriter(store, dir, {}, { maxInlineMs: MAX_INLINE_MS });
    await w.ready;
    const firsts: number[] = [];
    let n = 0;
    const append = async (): Promise<void> => void firsts.push(await w.appendBatch([entry(n++), entry(n++)]));
    // Quick commits: inline, the thread is not used.
    for (let i = 0; i < 5; i++) await append();
    expect(w.mode).toBe('inline');
    expect(w.ops.append.n).toBe(0);
    // The disk turns slow: the estimate passes the limit and commits move to the thread.
    store.slow = true;
    for (let i = 0; i < 10 && w.mode === 'inline'; i++) await append();
    expect(w.mode).toBe('thread');
    // (How many appends stay there depends on how far past the limit the estimate went: only the next one is certain.)
    await append();
    expect(w.ops.append.n).toBe(1);
    // The thread's commits are quick: the estimate falls and commits come back inline.
    store.slow = false;
    for (let i = 0; i < 50 && w.mode === 'thread'; i++) await append();
    expect(w.mode).toBe('inline');
    const onThread = w.ops.append.n;
    await append();
    expect(w.ops.append.n).toBe(onThread);
    // Every batch at the next indexes, every entry where it was acknowledged.
    expect(firsts).toEqual(firsts.map((_, i) => 1 + 2 * i));
    expect(stored(storage, n)).toEqual([...Array(n).keys()]);
    await w.close();
    storage.close();
  });

  it('sends a write to the thread while an earlier one is unanswered there, even when commits are quick again', async () => {
    const { dir, storage } = await open();
    const store = slowed(storage);
    // The real writer thread, with its appends held back until the test opens the gate.
    const real = threadWriter(dir);
    let open_!: () => void;
    const gate = new Promise<void>((r) => (open_ = r));
    const held: ThreadWriter = Object.assign(Object.create(real) as ThreadWriter, { appendBatch: async (es: Uint8Array[]) => (await gate, real.appendBatch(es)) });
    const opts = { maxInlineMs: MAX_INLINE_MS, thread: held };
    const w = adaptiveWriter(store, dir, {}, opts);
    await w.ready;
    store.slow = true;
    await w.appendBatch([entry(0)]); // slow inline: the next writes go to the thread
    store.slow = false;
    expect(w.mode).toBe('thread');
    const p1 = w.appendBatch([entry(1)]);
    const p2 = w.appendBatch([entry(2)]);
    opts.maxInlineMs = Infinity; // every commit now counts as quick…
    const q = w.appendBatch([entry(3)]); // …but p1 and p2 are still unanswered on the thread
    open_();
    expect(await Promise.all([p1, p2, q])).toEqual([2, 3, 4]);
    expect(stored(storage, 4)).toEqual([0, 1, 2, 3]);
    expect(w.ops.append.n).toBe(3);
    await w.appendBatch([entry(4)]); // the thread is idle again: inline
    expect(w.ops.append.n).toBe(3);
    await w.close();
    storage.close();
  });
});

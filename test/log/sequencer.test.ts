import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IlogError } from '../../src/ledger/errors.js';
import { Sequencer } from '../../src/log/sequencer.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { testEntries, testEntry } from '../storage/fixtures.js';

describe('Sequencer (group commit over SQLite)', () => {
  let dir: string;
  let storage: SqliteLogStorage;
  const commit = (entries: Uint8Array[]): number => storage.appendBatch(entries).first;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-seq-'));
    storage = SqliteLogStorage.open(dir);
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives indexes in call order and stores each entry at its index', async () => {
    const seq = new Sequencer(commit);
    const entries = testEntries(0, 1000);
    const indexes = await Promise.all(entries.map((e) => seq.enqueue([e])));
    expect(indexes).toEqual(entries.map((_, i) => i));
    expect(storage.readEntries(0, 1000).map((e) => Buffer.from(e))).toEqual(entries.map((e) => Buffer.from(e)));
  });

  it('commits many concurrent appends in few durable commits', async () => {
    const seq = new Sequencer(commit);
    await Promise.all(testEntries(0, 5000).map((e) => seq.enqueue([e])));
    expect(seq.stats.committed).toBe(5000);
    expect(seq.stats.commits).toBe(1);
    const small = new Sequencer(commit, { maxBatchEntries: 100 });
    await Promise.all(testEntries(0, 5000).map((e) => small.enqueue([e])));
    expect(small.stats.commits).toBe(50);
  });

  it('keeps a batch open for the window, so appends spread over several turns share a commit', async () => {
    const seq = new Sequencer(commit, { batchWindowMs: 500 });
    const pending: Promise<number>[] = [];
    for (let i = 0; i < 5; i++) {
      pending.push(seq.enqueue([testEntry(i)]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(pending)).toEqual([0, 1, 2, 3, 4]);
    expect(seq.stats.commits).toBe(1);
  });

  it('lets a deferred group ride with the next urgent append instead of committing alone', async () => {
    const seq = new Sequencer(commit, { deferMs: 60_000 });
    const deferred = seq.enqueue([testEntry(0)], false);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(seq.stats.commits).toBe(0); // nothing urgent: no commit of its own
    const urgent = seq.enqueue([testEntry(1)]);
    expect([await deferred, await urgent]).toEqual([0, 1]);
    expect(seq.stats.commits).toBe(1);
    await seq.close();
  });

  it('commits a deferred group on its own after deferMs, and on close', async () => {
    const seq = new Sequencer(commit, { deferMs: 20 });
    expect(await seq.enqueue([testEntry(0)], false)).toBe(0);
    expect(seq.stats.commits).toBe(1);
    const slow = new Sequencer(commit, { deferMs: 60_000 });
    const pending = slow.enqueue([testEntry(1)], false);
    await slow.close();
    expect(await pending).toBe(1);
    expect(storage.size()).toBe(2);
  });

  it('keeps a group at consecutive indexes while other appends interleave', async () => {
    const seq = new Sequencer(commit, { maxBatchEntries: 4 });
    const a = seq.enqueue([testEntry(0)]);
    const group = seq.enqueue(testEntries(100, 3));
    const b = seq.enqueue([testEntry(1)]);
    expect([await a, await group, await b]).toEqual([0, 1, 4]);
    expect(Buffer.from(storage.readEntries(1, 2)[0] as Uint8Array)).toEqual(Buffer.from(testEntry(100)));
  });

  it('pushes back past the queue cap with a retry delay, and accepts again once drained', async () => {
    const seq = new Sequencer(commit, { maxQueuedEntries: 10 });
    const results = await Promise.allSettled(testEntries(0, 15).map((e) => seq.enqueue([e])));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as IlogError);
    expect(refused).toHaveLength(5);
    for (const e of refused) {
      expect(e).toBeInstanceOf(IlogError);
      expect(e.code).toBe('PUSHBACK');
      expect(e.evidence?.retryAfterMs).toBeGreaterThan(0);
    }
    expect(seq.stats.pushedBack).toBe(5);
    expect(await seq.enqueue([testEntry(99)])).toBe(10);
    // Bytes are capped too; a group larger than the cap is accepted when nothing else is queued.
    const byBytes = new Sequencer(commit, { maxQueuedBytes: 100 });
    const big = byBytes.enqueue([new Uint8Array(500)]);
    await expect(byBytes.enqueue([new Uint8Array(10)])).rejects.toMatchObject({ code: 'PUSHBACK' });
    expect(await big).toBe(11);
  });

  it('fails only the batch whose commit fails', async () => {
    let fail = true;
    const seq = new Sequencer((entries) => {
      if (fail) {
        fail = false;
        throw new IlogError('STORAGE_FULL', 'disk full');
      }
      return commit(entries);
    });
    const first = Promise.allSettled([seq.enqueue([testEntry(0)]), seq.enqueue([testEntry(1)])]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await seq.enqueue([testEntry(2)])).toBe(0);
  });

  it('commits what is queued on close and refuses appends afterwards', async () => {
    const seq = new Sequencer(commit, { batchWindowMs: 10_000 });
    const pending = seq.enqueue([testEntry(0)]);
    await seq.close();
    expect(await pending).toBe(0);
    await expect(seq.enqueue([testEntry(1)])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

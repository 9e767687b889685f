import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { inlineWriter } from '../../src/log/appender-writer.js';
import { Integrator } from '../../src/log/integrator.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { testEntries } from '../storage/fixtures.js';

describe('Integrator', () => {
  let dir: string;
  let storage: SqliteLogStorage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-integrator-'));
    storage = SqliteLogStorage.open(dir);
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rootHex = (): string => Buffer.from(storage.treeState().root).toString('hex');
  const oracleHex = (n: number): string => Buffer.from(MemoryTree.fromEntries(storage.readEntries(0, n)).root()).toString('hex');

  it('integrates in bounded steps up to the sequenced size', async () => {
    storage.appendBatch(testEntries(0, 1000));
    const integrator = new Integrator(storage, inlineWriter(storage), { maxStepEntries: 300 });
    expect((await integrator.step()).size).toBe(300);
    expect((await integrator.catchUp()).size).toBe(1000);
    expect(integrator.stats.steps).toBe(4);
    expect(rootHex()).toBe(oracleHex(1000));
  });

  it('hashes offered batches from memory and reads the rest of a step from the first gap in one read', async () => {
    const reads: [number, number][] = [];
    const readEntries = (from: number, to: number, limit?: number): Uint8Array[] => {
      reads.push([from, to]);
      return storage.readEntries(from, to, limit);
    };
    const spied = new Proxy(storage, {
      get: (target, key) => (key === 'readEntries' ? readEntries : (Reflect.get(target, key) as () => unknown).bind(target)),
    });
    const integrator = new Integrator(spied, inlineWriter(storage));
    const own = (entries: Uint8Array[]): void => integrator.offer(storage.appendBatch(entries).first, entries);
    own(testEntries(0, 100));
    storage.appendBatch(testEntries(100, 50)); // another process
    own(testEntries(150, 100));
    await integrator.catchUp();
    expect(reads).toEqual([[100, 250]]); // 0..100 from memory; one read from the gap on, not one per run
    expect(storage.integratedSize()).toBe(250);
    expect(rootHex()).toBe(oracleHex(250));
  });

  it('loses a race to another integrator without corrupting the tree, then continues from storage', async () => {
    storage.appendBatch(testEntries(0, 500));
    const other = SqliteLogStorage.open(dir);
    const b = new Integrator(other, inlineWriter(other), { maxStepEntries: 350 });
    let race = false;
    // a's writer lets b integrate between a computing its step and storing it.
    const aWriter = { ...inlineWriter(storage), integrate: async (step: Parameters<SqliteLogStorage['integrate']>[0]) => {
      if (race) await b.step();
      return storage.integrate(step);
    } };
    const a = new Integrator(storage, aWriter, { maxStepEntries: 200 });
    await a.step(); // 0 → 200
    race = true;
    expect((await a.step()).size).toBe(500); // b stored 200 → 500 first; a's 200 → 400 is refused
    race = false;
    expect(a.stats.conflicts).toBe(1);
    storage.appendBatch(testEntries(500, 10));
    await a.catchUp(); // a's edge is stale: it must reload from storage, not build on its own
    other.close();
    expect(storage.integratedSize()).toBe(510);
    expect(rootHex()).toBe(oracleHex(510));
  });

  it('with `sign`, stores the checkpoint with the step that catches up, only with it, and only a note of the stored tree', async () => {
    storage.appendBatch(testEntries(0, 500));
    const other = SqliteLogStorage.open(dir);
    const b = new Integrator(other, inlineWriter(other));
    const steps: { size: number; checkpoint?: string }[] = [];
    let race = false;
    const writer = { ...inlineWriter(storage), integrate: async (step: Parameters<SqliteLogStorage['integrate']>[0]) => {
      steps.push({ size: step.tree.size, ...(step.checkpoint ? { checkpoint: step.checkpoint } : {}) });
      if (race) (race = false), await b.catchUp();
      return storage.integrate(step);
    } };
    const a = new Integrator(storage, writer, { maxStepEntries: 200 });
    const sign = (t: { size: number; root: Uint8Array }): string => `note ${t.size} ${Buffer.from(t.root).toString('hex')}\n`;
    const done = await a.catchUp(sign);
    // 0 → 200 → 400 unsigned, the step that reaches 500 signed.
    expect(steps).toEqual([{ size: 200 }, { size: 400 }, { size: 500, checkpoint: sign(storage.treeState()) }]);
    expect(done).toEqual({ ...storage.treeState(), sequenced: 500, checkpoint: sign(storage.treeState()) });
    expect(storage.checkpoints()).toEqual([{ size: 500, note: sign(storage.treeState()) }]);
    // A signed step that loses the compare-and-swap stores neither; the step after it, with nothing left, signs nothing.
    storage.appendBatch(testEntries(500, 10));
    steps.length = 0;
    race = true;
    const after = await a.catchUp(sign);
    expect(steps).toEqual([{ size: 510, checkpoint: expect.any(String) }]);
    expect(a.stats.conflicts).toBe(1);
    expect(after.checkpoint).toBeUndefined();
    expect(after.size).toBe(510);
    expect(storage.latestCheckpoint()).toBe(sign({ size: 500, root: Buffer.from(oracleHex(500), 'hex') }));
    other.close();
  });

  it('in the background, leaves steps to the lease holder, and steps itself once the tree has stalled', async () => {
    storage.appendBatch(testEntries(0, 100));
    const never = { hold: async () => false }; // another process holds the lease and does nothing
    const b = new Integrator(storage, inlineWriter(storage), { leaseStallMs: 150 }, { lease: never });
    expect((await b.step(true)).size).toBe(0);
    expect(b.stats).toMatchObject({ yielded: 1, steps: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await b.step(true)).size).toBe(100); // stood still 150 ms with entries waiting: integrate anyway
    // Caught up for a while, then new entries: the stall clock starts when they are seen, not at the last move.
    await new Promise((r) => setTimeout(r, 200));
    storage.appendBatch(testEntries(100, 10));
    expect((await b.step(true)).size).toBe(100);
    expect(b.stats.yielded).toBe(2);
    // The holder steps at once; a foreground step never yields.
    const holder = new Integrator(storage, inlineWriter(storage), {}, { lease: { hold: async () => true } });
    expect((await holder.step(true)).size).toBe(110);
    storage.appendBatch(testEntries(110, 10));
    expect((await b.step()).size).toBe(120);
    expect(rootHex()).toBe(oracleHex(120));
  });
});

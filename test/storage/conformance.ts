// The LogStorage conformance suite (src/storage/log-storage.ts): every backend
// runs it through `describeLogStorage(name, factory)`. Tiles are built with the
// ledger's TileBuilder and checked against MemoryTree, an independent oracle.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash } from '../../src/ledger/hash.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { encodeBundle, TILE_WIDTH } from '../../src/ledger/tiles.js';
import type { LogStore, LogStoreFactory } from '../../src/storage/log-reader.js';
import { FaultyStore } from '../helpers/faulty-store.js';
import { integrationToAsync, testEntries, testEntry } from './fixtures.js';

async function expectCode(fn: () => unknown, code: string): Promise<void> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected IlogError ${code}`).toMatchObject({ name: 'IlogError', code });
}

export function describeLogStorage(name: string, factory: LogStoreFactory): void {
  describe(`LogStorage conformance: ${name}`, () => {
    const open: LogStore[] = [];
    const dirs: string[] = [];
    const fresh = async (): Promise<{ dir: string; storage: LogStore }> => {
      const dir = mkdtempSync(join(tmpdir(), 'ilog-storage-'));
      dirs.push(dir);
      return { dir, storage: track(await factory(dir)) };
    };
    const track = (s: LogStore): LogStore => (open.push(s), s);
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    it('starts empty', async () => {
      const { storage } = await fresh();
      expect(await storage.size()).toBe(0);
      expect(await storage.treeState()).toEqual({ size: 0, root: expect.anything() });
      expect(Buffer.from((await storage.treeState()).root)).toEqual(Buffer.from(EMPTY_ROOT));
      expect((await storage.treeState()).size).toBe(0);
      expect(await storage.readEntries(0, 10)).toEqual([]);
      expect(await storage.readTile(0, 0, 1)).toBeUndefined();
      expect(await storage.readEntryBundle(0, 1)).toBeUndefined();
      expect(await storage.latestCheckpoint()).toBeUndefined();
      expect(await storage.checkpoints()).toEqual([]);
    });

    it('appends batches at consecutive indexes and reads them back in order', async () => {
      const { storage } = await fresh();
      expect(await storage.appendBatch(testEntries(0, 3))).toEqual({ first: 0, count: 3 });
      expect(await storage.appendBatch([])).toEqual({ first: 3, count: 0 });
      expect(await storage.appendBatch(testEntries(3, 300))).toEqual({ first: 3, count: 300 });
      expect(await storage.size()).toBe(303);
      const back = (await storage.readEntries(0, 303)).map((e) => Buffer.from(e));
      expect(back).toEqual(testEntries(0, 303).map((e) => Buffer.from(e)));
      expect(await storage.readEntries(300, 1000)).toHaveLength(3); // clamped to size()
      expect((await storage.readEntries(10, 200, 5)).map((e) => Buffer.from(e))).toEqual(testEntries(10, 5).map((e) => Buffer.from(e)));
      expect(await storage.readEntries(5, 5)).toEqual([]);
    });

    it('accepts empty and maximum-size entries, rejects larger ones without storing any of the batch', async () => {
      const { storage } = await fresh();
      await storage.appendBatch([new Uint8Array(0), new Uint8Array(65535).fill(7)]);
      expect((await storage.readEntries(0, 2)).map((e) => e.byteLength)).toEqual([0, 65535]);
      await expectCode(() => storage.appendBatch([testEntry(2), new Uint8Array(65536)]), 'ENTRY_TOO_LARGE');
      await expectCode(() => storage.appendBatch(['text' as unknown as Uint8Array]), 'INVALID_ENTRY');
      expect(await storage.size()).toBe(2);
    });

    it('rejects bad ranges and tile coordinates with coded errors', async () => {
      const { storage } = await fresh();
      await expectCode(() => storage.readEntries(-1, 3), 'BAD_RANGE');
      await expectCode(() => storage.readEntries(0.5, 3), 'BAD_RANGE');
      await expectCode(() => storage.readEntries(0, Number.MAX_SAFE_INTEGER + 2), 'BAD_RANGE');
      await expectCode(() => storage.readTile(64, 0), 'BAD_TILE_LEVEL');
      await expectCode(() => storage.readTile(0, -1), 'BAD_TILE_INDEX');
      await expectCode(() => storage.readTile(0, 0, 0), 'BAD_TILE_WIDTH');
      await expectCode(() => storage.readTile(0, 0, 257), 'BAD_TILE_WIDTH');
      await expectCode(() => storage.readEntryBundle(0, 300), 'BAD_TILE_WIDTH');
      await expectCode(() => storage.checkpoints(-5), 'BAD_RANGE');
    });

    it('keeps everything across close and reopen', async () => {
      const { dir, storage } = await fresh();
      await storage.appendBatch(testEntries(0, 700));
      expect(await storage.integrate(await integrationToAsync(storage, 600))).toBe(true);
      await storage.addCheckpoint(600, 'note 600\n');
      const root = Buffer.from((await storage.treeState()).root);
      storage.close();
      const again = track(await factory(dir));
      expect(await again.size()).toBe(700);
      expect((await again.treeState()).size).toBe(600);
      expect(Buffer.from((await again.treeState()).root)).toEqual(root);
      expect(await again.readTile(0, 2, 88)).toBeDefined();
      expect(await again.latestCheckpoint()).toBe('note 600\n');
    });

    it('hands out disjoint, gap-free ranges to interleaved writers on the same log', async () => {
      const { dir, storage: a } = await fresh();
      const b = track(await factory(dir));
      const seen: number[] = [];
      for (let round = 0; round < 20; round++) {
        const w = round % 2 === 0 ? a : b;
        const { first, count } = await w.appendBatch(testEntries(1000 * round, 1 + (round % 4)));
        for (let k = 0; k < count; k++) seen.push(first + k);
      }
      expect(seen).toEqual(seen.map((_, i) => i));
      expect(await a.size()).toBe(seen.length);
      expect(await b.size()).toBe(seen.length);
    });

    it('integrates tiles consistent with the tree it records', async () => {
      const { storage } = await fresh();
      const n = TILE_WIDTH * TILE_WIDTH + 3 * TILE_WIDTH + 17; // two tile levels, partial tiles on both
      await storage.appendBatch(testEntries(0, n));
      // Integrate in uneven steps so partial tiles grow and complete across steps.
      for (const size of [1, 200, 256, 257, 40_000, n]) expect(await storage.integrate(await integrationToAsync(storage, size))).toBe(true);
      const oracle = MemoryTree.fromEntries(testEntries(0, n));
      expect((await storage.treeState()).size).toBe(n);
      expect(Buffer.from((await storage.treeState()).root)).toEqual(Buffer.from(oracle.root()));
      // Full tiles and the right edge, every width a prefix of the stored tile.
      expect(Buffer.from(await storage.readTile(0, 0) as Uint8Array)).toEqual(Buffer.concat(testEntries(0, 256).map(leafHash)));
      expect(await storage.readTile(1, 0)).toBeDefined();
      expect((await storage.readTile(0, 259, 17))?.byteLength).toBe(17 * 32);
      expect(Buffer.from(await storage.readTile(0, 259, 5) as Uint8Array)).toEqual(Buffer.concat(testEntries(259 * 256, 5).map(leafHash)));
      expect(await storage.readTile(0, 259, 18)).toBeUndefined();
      expect(await storage.readTile(0, 259)).toBeUndefined();
      expect((await storage.readTile(1, 1, 3))?.byteLength).toBe(96);
      expect(Buffer.from(await storage.readTile(1, 1, 3) as Uint8Array).subarray(64)).toEqual(Buffer.from(oracle.nodes(8, 258)));
      expect(await storage.readTile(2, 0, 1)).toBeDefined();
      expect(await storage.readTile(2, 0, 2)).toBeUndefined();
      // Entry bundles: only over integrated entries.
      expect(Buffer.from(await storage.readEntryBundle(3) as Uint8Array)).toEqual(Buffer.from(encodeBundle(testEntries(768, 256))));
      expect(Buffer.from(await storage.readEntryBundle(259, 17) as Uint8Array)).toEqual(Buffer.from(encodeBundle(testEntries(259 * 256, 17))));
      expect(await storage.readEntryBundle(259, 18)).toBeUndefined();
      expect(await storage.readEntryBundle(259)).toBeUndefined();
    });

    it('integrates only when the tree is still at fromSize (compare-and-swap)', async () => {
      const { dir, storage: a } = await fresh();
      const b = track(await factory(dir));
      await a.appendBatch(testEntries(0, 300));
      const stepA = await integrationToAsync(a, 100);
      const stepB = await integrationToAsync(b, 300);
      expect(await b.integrate(stepB)).toBe(true);
      expect(await a.integrate(stepA)).toBe(false);
      expect((await a.treeState()).size).toBe(300);
      expect(await a.integrate(await integrationToAsync(a, 300))).toBe(true); // no-op step from the current size
    });

    it('rejects integrations that break the invariants, atomically', async () => {
      const { storage } = await fresh();
      await storage.appendBatch(testEntries(0, 20));
      const good = await integrationToAsync(storage, 10);
      const root = good.tree.root;
      await expectCode(() => storage.integrate({ ...good, tree: { size: 21, root } }), 'INTEGRATION_CONFLICT'); // beyond sequenced
      await expectCode(() => storage.integrate({ ...good, tiles: [] }), 'INTEGRATION_CONFLICT'); // right-edge tile missing
      await expectCode(() => storage.integrate({ ...good, tree: { size: 10, root: root.subarray(1) } }), 'INTEGRATION_CONFLICT');
      expect((await storage.treeState()).size).toBe(0);
      expect(await storage.readTile(0, 0, 1)).toBeUndefined();
      expect(await storage.integrate(good)).toBe(true);
      const next = await integrationToAsync(storage, 20);
      const forged = next.tiles.map((t) => ({ ...t, data: Uint8Array.from(t.data, (x, i) => (i < 32 ? x ^ 1 : x)) }));
      await expectCode(() => storage.integrate({ ...next, tiles: forged }), 'INTEGRATION_CONFLICT'); // rewrites a stored hash
      await expectCode(() => storage.integrate({ ...next, fromSize: 10, tree: { size: 5, root } }), 'INTEGRATION_CONFLICT'); // shrinks
      expect((await storage.treeState()).size).toBe(10);
      expect(Buffer.from(await storage.readTile(0, 0, 10) as Uint8Array)).toEqual(Buffer.concat(testEntries(0, 10).map(leafHash)));
    });

    it('keeps the checkpoint history and never moves the latest backwards', async () => {
      const { storage } = await fresh();
      await storage.appendBatch(testEntries(0, 50));
      await storage.integrate(await integrationToAsync(storage, 40));
      await expectCode(() => storage.addCheckpoint(41, 'too big\n'), 'BAD_CHECKPOINT');
      await expectCode(() => storage.addCheckpoint(10, ''), 'BAD_CHECKPOINT');
      expect(await storage.addCheckpoint(0, 'c0\n')).toBe(true);
      expect(await storage.addCheckpoint(10, 'c10\n')).toBe(true);
      expect(await storage.addCheckpoint(10, 'c10 again\n')).toBe(false);
      expect(await storage.addCheckpoint(5, 'c5\n')).toBe(false);
      expect(await storage.addCheckpoint(40, 'c40\n')).toBe(true);
      expect(await storage.latestCheckpoint()).toBe('c40\n');
      expect(await storage.checkpoints()).toEqual([{ size: 0, note: 'c0\n' }, { size: 10, note: 'c10\n' }, { size: 40, note: 'c40\n' }]);
      expect(await storage.checkpoints(5, 1)).toEqual([{ size: 10, note: 'c10\n' }]);
    });

    it('stores a checkpoint with the integration that carries it, only with it, never backwards', async () => {
      const { dir, storage: a } = await fresh();
      const b = track(await factory(dir));
      await a.appendBatch(testEntries(0, 30));
      await expectCode(async () => a.integrate({ ...(await integrationToAsync(a, 5)), checkpoint: '' }), 'BAD_CHECKPOINT');
      expect(await a.integrate({ ...(await integrationToAsync(a, 10)), checkpoint: 'c10\n' })).toBe(true);
      expect(await b.latestCheckpoint()).toBe('c10\n');
      expect((await b.treeState()).size).toBe(10);
      // A lost compare-and-swap stores neither the tree nor its checkpoint.
      const lost = { ...(await integrationToAsync(a, 20)), checkpoint: 'c20 lost\n' };
      expect(await b.integrate({ ...(await integrationToAsync(b, 25)), checkpoint: 'c25\n' })).toBe(true);
      expect(await a.integrate(lost)).toBe(false);
      expect(await a.checkpoints()).toEqual([{ size: 10, note: 'c10\n' }, { size: 25, note: 'c25\n' }]);
      // A checkpoint of that size is stored already: the tree moves, the stored checkpoint stays.
      await a.integrate(await integrationToAsync(a, 28));
      expect(await a.addCheckpoint(28, 'c28\n')).toBe(true);
      expect(await a.integrate({ ...(await integrationToAsync(a, 28)), checkpoint: 'c28 again\n' })).toBe(true); // a no-op step of the current size
      expect(await a.latestCheckpoint()).toBe('c28\n');
      expect(await a.integrate({ ...(await integrationToAsync(a, 30)), checkpoint: 'c30\n' })).toBe(true);
      expect((await a.checkpoints()).map((c) => c.size)).toEqual([10, 25, 28, 30]);
    });

    it('recovers from failed and torn commits: no index twice, no gap, no tree or checkpoint lost', async () => {
      const { storage } = await fresh();
      const f = new FaultyStore(storage);
      await f.appendBatch(testEntries(0, 3));
      f.inject('append', { kind: 'fail' });
      await expectCode(() => f.appendBatch(testEntries(100, 2)), 'STORAGE_ERROR');
      expect(await storage.size()).toBe(3); // a failed commit has no effect
      f.inject('append', { kind: 'tear' });
      await expectCode(() => f.appendBatch(testEntries(3, 2)), 'STORAGE_ERROR');
      expect(await storage.size()).toBe(5); // a torn one took effect though it was reported failed
      expect(await f.appendBatch(testEntries(5, 1))).toEqual({ first: 5, count: 1 });
      const step = await integrationToAsync(storage, 6);
      f.inject('integrate', { kind: 'tear' });
      await expectCode(() => f.integrate(step), 'STORAGE_ERROR');
      expect(await f.integrate(step)).toBe(false); // the retry loses the compare-and-swap to itself, harmlessly
      expect((await storage.treeState()).size).toBe(6);
      f.inject('checkpoint', { kind: 'tear' });
      await expectCode(() => f.addCheckpoint(6, 'c6\n'), 'STORAGE_ERROR');
      expect(await f.addCheckpoint(6, 'c6\n')).toBe(false);
      expect(await storage.latestCheckpoint()).toBe('c6\n');
      expect(f.fired).toEqual({ append: { fail: 1, tear: 1 }, integrate: { fail: 0, tear: 1 }, checkpoint: { fail: 0, tear: 1 } });
      expect((await storage.readEntries(0, 10)).map((e) => Buffer.from(e))).toEqual([...testEntries(0, 3), ...testEntries(3, 2), ...testEntries(5, 1)].map((e) => Buffer.from(e)));
    });
  });
}

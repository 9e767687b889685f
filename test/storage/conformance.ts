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
import type { LogStorage, LogStorageFactory } from '../../src/storage/log-storage.js';
import { integrationTo, testEntries, testEntry } from './fixtures.js';

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected IlogError ${code}`).toMatchObject({ name: 'IlogError', code });
}

export function describeLogStorage(name: string, factory: LogStorageFactory): void {
  describe(`LogStorage conformance: ${name}`, () => {
    const open: LogStorage[] = [];
    const dirs: string[] = [];
    const fresh = (): { dir: string; storage: LogStorage } => {
      const dir = mkdtempSync(join(tmpdir(), 'ilog-storage-'));
      dirs.push(dir);
      return { dir, storage: track(factory(dir)) };
    };
    const track = (s: LogStorage): LogStorage => (open.push(s), s);
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    it('starts empty', () => {
      const { storage } = fresh();
      expect(storage.size()).toBe(0);
      expect(storage.treeState()).toEqual({ size: 0, root: expect.anything() });
      expect(Buffer.from(storage.treeState().root)).toEqual(Buffer.from(EMPTY_ROOT));
      expect(storage.integratedSize()).toBe(0);
      expect(storage.readEntries(0, 10)).toEqual([]);
      expect(storage.readTile(0, 0, 1)).toBeUndefined();
      expect(storage.readEntryBundle(0, 1)).toBeUndefined();
      expect(storage.latestCheckpoint()).toBeUndefined();
      expect(storage.checkpoints()).toEqual([]);
    });

    it('appends batches at consecutive indexes and reads them back in order', () => {
      const { storage } = fresh();
      expect(storage.appendBatch(testEntries(0, 3))).toEqual({ first: 0, count: 3 });
      expect(storage.appendBatch([])).toEqual({ first: 3, count: 0 });
      expect(storage.appendBatch(testEntries(3, 300))).toEqual({ first: 3, count: 300 });
      expect(storage.size()).toBe(303);
      const back = storage.readEntries(0, 303).map((e) => Buffer.from(e));
      expect(back).toEqual(testEntries(0, 303).map((e) => Buffer.from(e)));
      expect(storage.readEntries(300, 1000)).toHaveLength(3); // clamped to size()
      expect(storage.readEntries(10, 200, 5).map((e) => Buffer.from(e))).toEqual(testEntries(10, 5).map((e) => Buffer.from(e)));
      expect(storage.readEntries(5, 5)).toEqual([]);
    });

    it('accepts empty and maximum-size entries, rejects larger ones without storing any of the batch', () => {
      const { storage } = fresh();
      storage.appendBatch([new Uint8Array(0), new Uint8Array(65535).fill(7)]);
      expect(storage.readEntries(0, 2).map((e) => e.byteLength)).toEqual([0, 65535]);
      expectCode(() => storage.appendBatch([testEntry(2), new Uint8Array(65536)]), 'ENTRY_TOO_LARGE');
      expectCode(() => storage.appendBatch(['text' as unknown as Uint8Array]), 'INVALID_ENTRY');
      expect(storage.size()).toBe(2);
    });

    it('rejects bad ranges and tile coordinates with coded errors', () => {
      const { storage } = fresh();
      expectCode(() => storage.readEntries(-1, 3), 'BAD_RANGE');
      expectCode(() => storage.readEntries(0.5, 3), 'BAD_RANGE');
      expectCode(() => storage.readEntries(0, Number.MAX_SAFE_INTEGER + 2), 'BAD_RANGE');
      expectCode(() => storage.readTile(64, 0), 'BAD_TILE_LEVEL');
      expectCode(() => storage.readTile(0, -1), 'BAD_TILE_INDEX');
      expectCode(() => storage.readTile(0, 0, 0), 'BAD_TILE_WIDTH');
      expectCode(() => storage.readTile(0, 0, 257), 'BAD_TILE_WIDTH');
      expectCode(() => storage.readEntryBundle(0, 300), 'BAD_TILE_WIDTH');
      expectCode(() => storage.checkpoints(-5), 'BAD_RANGE');
    });

    it('keeps everything across close and reopen', () => {
      const { dir, storage } = fresh();
      storage.appendBatch(testEntries(0, 700));
      expect(storage.integrate(integrationTo(storage, 600))).toBe(true);
      storage.addCheckpoint(600, 'note 600\n');
      const root = Buffer.from(storage.treeState().root);
      storage.close();
      const again = track(factory(dir));
      expect(again.size()).toBe(700);
      expect(again.treeState().size).toBe(600);
      expect(Buffer.from(again.treeState().root)).toEqual(root);
      expect(again.readTile(0, 2, 88)).toBeDefined();
      expect(again.latestCheckpoint()).toBe('note 600\n');
    });

    it('hands out disjoint, gap-free ranges to interleaved writers on the same log', () => {
      const { dir, storage: a } = fresh();
      const b = track(factory(dir));
      const seen: number[] = [];
      for (let round = 0; round < 20; round++) {
        const w = round % 2 === 0 ? a : b;
        const { first, count } = w.appendBatch(testEntries(1000 * round, 1 + (round % 4)));
        for (let k = 0; k < count; k++) seen.push(first + k);
      }
      expect(seen).toEqual(seen.map((_, i) => i));
      expect(a.size()).toBe(seen.length);
      expect(b.size()).toBe(seen.length);
    });

    it('integrates tiles consistent with the tree it records', () => {
      const { storage } = fresh();
      const n = TILE_WIDTH * TILE_WIDTH + 3 * TILE_WIDTH + 17; // two tile levels, partial tiles on both
      storage.appendBatch(testEntries(0, n));
      // Integrate in uneven steps so partial tiles grow and complete across steps.
      for (const size of [1, 200, 256, 257, 40_000, n]) expect(storage.integrate(integrationTo(storage, size))).toBe(true);
      const oracle = MemoryTree.fromEntries(testEntries(0, n));
      expect(storage.treeState().size).toBe(n);
      expect(Buffer.from(storage.treeState().root)).toEqual(Buffer.from(oracle.root()));
      // Full tiles and the right edge, every width a prefix of the stored tile.
      expect(Buffer.from(storage.readTile(0, 0) as Uint8Array)).toEqual(Buffer.concat(testEntries(0, 256).map(leafHash)));
      expect(storage.readTile(1, 0)).toBeDefined();
      expect(storage.readTile(0, 259, 17)?.byteLength).toBe(17 * 32);
      expect(Buffer.from(storage.readTile(0, 259, 5) as Uint8Array)).toEqual(Buffer.concat(testEntries(259 * 256, 5).map(leafHash)));
      expect(storage.readTile(0, 259, 18)).toBeUndefined();
      expect(storage.readTile(0, 259)).toBeUndefined();
      expect(storage.readTile(1, 1, 3)?.byteLength).toBe(96);
      expect(Buffer.from(storage.readTile(1, 1, 3) as Uint8Array).subarray(64)).toEqual(Buffer.from(oracle.nodes(8, 258)));
      expect(storage.readTile(2, 0, 1)).toBeDefined();
      expect(storage.readTile(2, 0, 2)).toBeUndefined();
      // Entry bundles: only over integrated entries.
      expect(Buffer.from(storage.readEntryBundle(3) as Uint8Array)).toEqual(Buffer.from(encodeBundle(testEntries(768, 256))));
      expect(Buffer.from(storage.readEntryBundle(259, 17) as Uint8Array)).toEqual(Buffer.from(encodeBundle(testEntries(259 * 256, 17))));
      expect(storage.readEntryBundle(259, 18)).toBeUndefined();
      expect(storage.readEntryBundle(259)).toBeUndefined();
    });

    it('integrates only when the tree is still at fromSize (compare-and-swap)', () => {
      const { dir, storage: a } = fresh();
      const b = track(factory(dir));
      a.appendBatch(testEntries(0, 300));
      const stepA = integrationTo(a, 100);
      const stepB = integrationTo(b, 300);
      expect(b.integrate(stepB)).toBe(true);
      expect(a.integrate(stepA)).toBe(false);
      expect(a.treeState().size).toBe(300);
      expect(a.integrate(integrationTo(a, 300))).toBe(true); // no-op step from the current size
    });

    it('rejects integrations that break the invariants, atomically', () => {
      const { storage } = fresh();
      storage.appendBatch(testEntries(0, 20));
      const good = integrationTo(storage, 10);
      const root = good.tree.root;
      expectCode(() => storage.integrate({ ...good, tree: { size: 21, root } }), 'INTEGRATION_CONFLICT'); // beyond sequenced
      expectCode(() => storage.integrate({ ...good, tiles: [] }), 'INTEGRATION_CONFLICT'); // right-edge tile missing
      expectCode(() => storage.integrate({ ...good, tree: { size: 10, root: root.subarray(1) } }), 'INTEGRATION_CONFLICT');
      expect(storage.integratedSize()).toBe(0);
      expect(storage.readTile(0, 0, 1)).toBeUndefined();
      expect(storage.integrate(good)).toBe(true);
      const next = integrationTo(storage, 20);
      const forged = next.tiles.map((t) => ({ ...t, data: Uint8Array.from(t.data, (x, i) => (i < 32 ? x ^ 1 : x)) }));
      expectCode(() => storage.integrate({ ...next, tiles: forged }), 'INTEGRATION_CONFLICT'); // rewrites a stored hash
      expectCode(() => storage.integrate({ ...next, fromSize: 10, tree: { size: 5, root } }), 'INTEGRATION_CONFLICT'); // shrinks
      expect(storage.treeState().size).toBe(10);
      expect(Buffer.from(storage.readTile(0, 0, 10) as Uint8Array)).toEqual(Buffer.concat(testEntries(0, 10).map(leafHash)));
    });

    it('keeps the checkpoint history and never moves the latest backwards', () => {
      const { storage } = fresh();
      storage.appendBatch(testEntries(0, 50));
      storage.integrate(integrationTo(storage, 40));
      expectCode(() => storage.addCheckpoint(41, 'too big\n'), 'BAD_CHECKPOINT');
      expectCode(() => storage.addCheckpoint(10, ''), 'BAD_CHECKPOINT');
      expect(storage.addCheckpoint(0, 'c0\n')).toBe(true);
      expect(storage.addCheckpoint(10, 'c10\n')).toBe(true);
      expect(storage.addCheckpoint(10, 'c10 again\n')).toBe(false);
      expect(storage.addCheckpoint(5, 'c5\n')).toBe(false);
      expect(storage.addCheckpoint(40, 'c40\n')).toBe(true);
      expect(storage.latestCheckpoint()).toBe('c40\n');
      expect(storage.checkpoints()).toEqual([{ size: 0, note: 'c0\n' }, { size: 10, note: 'c10\n' }, { size: 40, note: 'c40\n' }]);
      expect(storage.checkpoints(5, 1)).toEqual([{ size: 10, note: 'c10\n' }]);
    });
  });
}

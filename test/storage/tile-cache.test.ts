import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, treeRoot } from '../../src/ledger/merkle.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { TileCache } from '../../src/storage/tile-cache.js';
import { integrationTo, testEntries } from './fixtures.js';

const hex = (hs: Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));

describe('TileCache', () => {
  const n = 256 * 256 + 1000;
  let dir: string;
  let storage: SqliteLogStorage;
  let oracle: MemoryTree;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-tilecache-'));
    storage = SqliteLogStorage.open(dir);
    storage.appendBatch(testEntries(0, n));
    storage.integrate(integrationTo(storage, n));
    oracle = MemoryTree.fromEntries(testEntries(0, n));
  });
  afterAll(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the same proofs as an in-memory tree, for old and current sizes, with a tiny cache', () => {
    const cache = new TileCache((l, i, w) => storage.readTile(l, i, w), 2);
    const sizes = [1, 2, 255, 256, 257, 511, 65_536, 65_537, n - 1, n];
    for (const size of sizes) {
      expect(Buffer.from(treeRoot(size, cache.nodeReader(size)))).toEqual(Buffer.from(oracle.root(size)));
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        expect(hex(inclusionProof(index, size, cache.nodeReader(size)))).toEqual(hex(inclusionProof(index, size, oracle.nodes)));
      }
      for (const old of [1, Math.floor(size / 3), size - 1]) {
        if (old < 1 || old > size) continue;
        expect(hex(consistencyProof(old, size, cache.nodeReader(size)))).toEqual(hex(consistencyProof(old, size, oracle.nodes)));
      }
    }
    expect(cache.size).toBeLessThanOrEqual(2);
  });

  it('withTiles reads the tiles a computation needs through the asynchronous reader first, then computes the same proofs', async () => {
    let syncReads = 0;
    const asyncReads: string[] = [];
    const cache = new TileCache((l, i, w) => (syncReads++, storage.readTile(l, i, w)));
    const readAsync = async (l: number, i: number, w: number): Promise<Uint8Array | undefined> => (asyncReads.push(`${l}/${i}/${w}`), storage.readTile(l, i, w));
    for (const size of [257, 65_537, n]) {
      const indexes = [0, Math.floor(size / 3), Math.floor(size / 2), size - 1];
      const proofs = await cache.withTiles(() => indexes.map((index) => inclusionProof(index, size, cache.nodeReader(size))), readAsync);
      expect(proofs.map(hex)).toEqual(indexes.map((index) => hex(inclusionProof(index, size, oracle.nodes))));
    }
    expect(asyncReads.length).toBeGreaterThan(0);
    expect(new Set(asyncReads).size).toBe(asyncReads.length); // each missing tile read once
    expect(syncReads).toBe(0);
    // A tile the asynchronous reader cannot give is still read synchronously: the result is never wrong.
    const fallback = new TileCache((l, i, w) => (syncReads++, storage.readTile(l, i, w)));
    const proof = await fallback.withTiles(() => inclusionProof(5, n, fallback.nodeReader(n)), async () => undefined);
    expect(hex(proof)).toEqual(hex(inclusionProof(5, n, oracle.nodes)));
    expect(syncReads).toBeGreaterThan(0);
  });

  it('reports a tile that is not stored', () => {
    const cache = new TileCache(() => undefined);
    expect(() => inclusionProof(0, 10, cache.nodeReader(10))).toThrow(expect.objectContaining({ code: 'TILE_MISSING' }));
  });
});

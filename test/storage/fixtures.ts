// Test data for storage and appender tests (and their child processes, which
// cannot import vitest): deterministic entries and a reference integration step.

import { leafHash } from '../../src/ledger/hash.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import { partialTiles } from '../../src/ledger/tiles.js';
import type { LogReader } from '../../src/storage/log-reader.js';
import type { Integration, LogStorage } from '../../src/storage/log-storage.js';

/** Deterministic, distinct entries of varying length (index i → bytes). */
export function testEntry(i: number, length = 20 + (i % 50)): Uint8Array {
  const e = new Uint8Array(length);
  for (let k = 0; k < length; k++) e[k] = (i * 31 + k * 7) & 0xff;
  new DataView(e.buffer).setUint32(0, i);
  return e;
}

export function testEntries(from: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => testEntry(from + k));
}

/** The integration step that takes `storage` from its integrated size to `size`. */
export function integrationTo(storage: LogStorage, size: number): Integration {
  const from = storage.integratedSize();
  const builder = TileBuilder.open(from, (l, i, w) => storage.readTile(l, i, w));
  const leaves: Uint8Array[] = [];
  while (from + leaves.length < size) leaves.push(...storage.readEntries(from + leaves.length, size).map(leafHash));
  const update = builder.append(leaves);
  return { fromSize: from, tree: { size: update.size, root: update.root }, tiles: update.tiles };
}

/** integrationTo through the asynchronous contract (the right-edge tiles are fetched first). */
export async function integrationToAsync(store: LogReader, size: number): Promise<Integration> {
  const from = (await store.treeState()).size;
  const edge = new Map<string, Uint8Array | undefined>();
  for (const ref of partialTiles(from)) edge.set(`${ref.level}/${ref.index}/${ref.width}`, await store.readTile(ref.level, ref.index, ref.width));
  const builder = TileBuilder.open(from, (l, i, w) => edge.get(`${l}/${i}/${w}`));
  const leaves: Uint8Array[] = [];
  while (from + leaves.length < size) leaves.push(...(await store.readEntries(from + leaves.length, size)).map(leafHash));
  const update = builder.append(leaves);
  return { fromSize: from, tree: { size: update.size, root: update.root }, tiles: update.tiles };
}

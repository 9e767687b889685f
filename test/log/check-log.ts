// Re-verify every invariant of a stored log against an independent in-memory
// tree (in the spirit of sunlight's CheckLog): entries are gap-free, the tree
// state's root is the RFC 6962 root of the integrated entries, every stored
// tile holds exactly the right hashes at its width, and every stored checkpoint
// verifies with the log key and commits to the right root.
import { expect } from 'vitest';
import { openCheckpoint } from '../../src/ledger/checkpoint.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { verifierFromKey } from '../../src/ledger/note.js';
import { partialTiles, TILE_HEIGHT, TILE_WIDTH, tileSpan } from '../../src/ledger/tiles.js';
import type { LogStorage } from '../../src/storage/log-storage.js';

export function checkLog(storage: LogStorage, vkey: string, origin: string): Uint8Array[] {
  const size = storage.size();
  const entries: Uint8Array[] = [];
  while (entries.length < size) entries.push(...storage.readEntries(entries.length, size));
  expect(entries).toHaveLength(size);
  const tree = storage.treeState();
  const oracle = MemoryTree.fromEntries(entries.slice(0, tree.size));
  expect(Buffer.from(tree.root)).toEqual(Buffer.from(oracle.root()));
  const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
  for (let level = 0; tileSpan(level) <= tree.size; level++) {
    const hashes = Math.floor(tree.size / tileSpan(level));
    for (let index = 0; index * TILE_WIDTH < hashes; index++) {
      const width = Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH);
      const expected = Array.from({ length: width }, (_, k) => hex(oracle.nodes(level * TILE_HEIGHT, index * TILE_WIDTH + k))).join('');
      expect(hex(storage.readTile(level, index, width)), `tile ${level}/${index}.p/${width}`).toBe(expected);
    }
  }
  for (const ref of partialTiles(tree.size)) expect(storage.readTile(ref.level, ref.index, ref.width + 1)).toBeUndefined();
  for (const { size: cpSize, note } of storage.checkpoints(0, Number.MAX_SAFE_INTEGER)) {
    const { checkpoint } = openCheckpoint(note, [verifierFromKey(vkey)], origin);
    expect(checkpoint.size).toBe(cpSize);
    expect(Buffer.from(checkpoint.root)).toEqual(Buffer.from(oracle.root(cpSize)));
  }
  return entries;
}

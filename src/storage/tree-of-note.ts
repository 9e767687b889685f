// The tree a read-only source describes is the one its checkpoint note names
// (tlog-checkpoint v1.0.0): parsed once per distinct note. Unverified here —
// a reader never vouches for a source; callers open the note with the log's key.

import { parseCheckpoint } from '../ledger/checkpoint.js';
import { EMPTY_ROOT } from '../ledger/hash.js';
import { parseNote } from '../ledger/note.js';
import { TILE_WIDTH } from '../ledger/tiles.js';
import type { TreeState } from './log-storage.js';

export class TreeOfNote {
  #cached: { note: string; tree: TreeState } | undefined;

  /** The tree of `note` (the empty tree when there is no checkpoint yet). */
  of(note: string | undefined): TreeState {
    if (note === undefined) return { size: 0, root: EMPTY_ROOT };
    if (this.#cached?.note !== note) {
      const cp = parseCheckpoint(parseNote(note).text);
      this.#cached = { note, tree: { size: cp.size, root: cp.root } };
    }
    return this.#cached.tree;
  }
}

/** Hashes tile (level, index) holds in a tree of `size` (0..256): a static source stores it under that width. */
export function tileWidthIn(size: number, level: number, index: number): number {
  const hashes = Math.floor(size / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH));
}

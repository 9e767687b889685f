// A static tiles directory seen through the LogStorage contract, read-only, so
// that the ordinary log read API (http/log-server.ts) can serve a mirror's
// tiles directory. The tree is the one the `checkpoint` file describes;
// mutating methods throw READ_ONLY (the directory is written by TilesDir).

import { IlogError } from '../../ledger/errors.js';
import { parseCheckpoint } from '../../ledger/checkpoint.js';
import { EMPTY_ROOT } from '../../ledger/hash.js';
import { parseNote } from '../../ledger/note.js';
import { decodeBundle, TILE_WIDTH } from '../../ledger/tiles.js';
import { HASH_SIZE } from '../../ledger/hash.js';
import type { LogStorage, StoredCheckpoint, TreeState } from '../log-storage.js';
import { TilesDir } from './tiles-dir.js';

export class TilesDirStorage implements LogStorage {
  readonly dir: TilesDir;
  #cached: { note: string; tree: TreeState } | undefined;

  constructor(root: string) {
    this.dir = TilesDir.open(root);
  }

  #tree(): { note: string | undefined; tree: TreeState } {
    const note = this.dir.checkpoint();
    if (note === undefined) return { note, tree: { size: 0, root: EMPTY_ROOT } };
    if (this.#cached?.note !== note) {
      const cp = parseCheckpoint(parseNote(note).text);
      this.#cached = { note, tree: { size: cp.size, root: cp.root } };
    }
    return this.#cached;
  }

  appendBatch(): never {
    throw new IlogError('READ_ONLY', 'a tiles directory is written by its mirror, not appended to');
  }

  integrate(): never {
    throw new IlogError('READ_ONLY', 'a tiles directory is written by its mirror');
  }

  addCheckpoint(): never {
    throw new IlogError('READ_ONLY', 'a tiles directory is written by its mirror');
  }

  size(): number {
    return this.#tree().tree.size;
  }

  integratedSize(): number {
    return this.size();
  }

  treeState(): TreeState {
    return this.#tree().tree;
  }

  readEntries(from: number, to: number, limit = 65_536): Uint8Array[] {
    const end = Math.min(to, this.size(), from + limit);
    const out: Uint8Array[] = [];
    for (let i = Math.floor(from / TILE_WIDTH); i * TILE_WIDTH < end; i++) {
      const width = Math.min(TILE_WIDTH, this.size() - i * TILE_WIDTH);
      const data = this.readEntryBundle(i, width);
      if (data === undefined) throw new IlogError('TILES_DIR_CORRUPT', 'an entry bundle below the checkpoint size is missing', { index: i, width });
      decodeBundle(data, width).forEach((e, k) => {
        const idx = i * TILE_WIDTH + k;
        if (idx >= from && idx < end) out.push(e);
      });
    }
    return out;
  }

  /** The exact file, or a prefix of the full tile (any width up to the stored one is served, per LogStorage). */
  readTile(level: number, index: number, width = TILE_WIDTH): Uint8Array | undefined {
    const exact = this.dir.readTile(level, index, width);
    if (exact !== undefined || width === TILE_WIDTH) return exact;
    return this.dir.readTile(level, index, TILE_WIDTH)?.subarray(0, width * HASH_SIZE);
  }

  readEntryBundle(index: number, width = TILE_WIDTH): Uint8Array | undefined {
    return this.dir.readEntryBundle(index, width);
  }

  latestCheckpoint(): string | undefined {
    return this.#tree().note;
  }

  checkpoints(fromSize = 0): StoredCheckpoint[] {
    const { note, tree } = this.#tree();
    return note !== undefined && tree.size >= fromSize ? [{ size: tree.size, note }] : [];
  }

  close(): void {}
}

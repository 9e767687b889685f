// A static tiles directory seen through the LogStorage contract, read-only, so
// that the ordinary log read API (http/log-server.ts) can serve a mirror's
// tiles directory. The tree is the one the `checkpoint` file describes. It is a
// reader only (the directory is written by TilesDir, through a mirror); the
// asynchronous view is asyncReader(new TilesDirStorage(dir)).

import { IlogError } from '../../ledger/errors.js';
import { decodeBundle, TILE_WIDTH } from '../../ledger/tiles.js';
import { HASH_SIZE } from '../../ledger/hash.js';
import { checkIndex, checkTileRef } from '../args.js';
import type { LogStorageReader, StoredCheckpoint, TreeState } from '../log-storage.js';
import { tileWidthIn, TreeOfNote } from '../tree-of-note.js';
import { TilesDir } from './tiles-dir.js';

export class TilesDirStorage implements LogStorageReader {
  readonly dir: TilesDir;
  readonly #trees = new TreeOfNote();

  constructor(root: string) {
    this.dir = TilesDir.open(root);
  }

  #tree(): { note: string | undefined; tree: TreeState } {
    const note = this.dir.checkpoint();
    return { note, tree: this.#trees.of(note) };
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
    checkIndex(from, 'from');
    checkIndex(to, 'to');
    checkIndex(limit, 'limit');
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
    checkTileRef(level, index, width);
    const exact = this.dir.readTile(level, index, width);
    if (exact !== undefined || width === TILE_WIDTH) return exact;
    // A prefix of the tile as the checkpoint's tree has it (full, or the right edge's partial width).
    const stored = tileWidthIn(this.size(), level, index);
    if (stored < width) return undefined;
    return this.dir.readTile(level, index, stored)?.subarray(0, width * HASH_SIZE);
  }

  readEntryBundle(index: number, width = TILE_WIDTH): Uint8Array | undefined {
    checkTileRef(0, index, width);
    return this.dir.readEntryBundle(index, width);
  }

  latestCheckpoint(): string | undefined {
    return this.#tree().note;
  }

  checkpoints(fromSize = 0): StoredCheckpoint[] {
    checkIndex(fromSize, 'fromSize');
    const { note, tree } = this.#tree();
    return note !== undefined && tree.size >= fromSize ? [{ size: tree.size, note }] : [];
  }

  close(): void {}
}

// A static C2SP tlog-tiles v0.1.0 directory: `checkpoint`, `tile/<L>/<N>[.p/<W>]`
// and `tile/entries/<N>[.p/<W>]` at exactly the spec's paths, so that any web
// server, CDN or bucket can serve the directory as a read-only log.
//
// Every file is replaced atomically and durably (durable-write.ts), so a reader
// never sees a torn tile. Writers store tiles and bundles first and the
// checkpoint last: the checkpoint is the commit point, and files beyond it are
// harmless (full tiles never change; partial tiles are named by their width).
// One writer at a time; any number of readers.

import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IlogError } from '../../ledger/errors.js';
import { entriesPath, tilePath, TILE_WIDTH } from '../../ledger/tiles.js';
import { writeFileDurable } from '../durable-file.js';
import { writeFilesDurable } from './batch-write.js';

export interface TileFile {
  /** A hash tile level, or 'entries' for an entry bundle. */
  level: number | 'entries';
  index: number;
  /** 1..256 (256 = full). */
  width: number;
  data: Uint8Array;
}

export class TilesDir {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Open a tiles directory, creating it unless `mustExist`. */
  static open(root: string, opts: { mustExist?: boolean } = {}): TilesDir {
    if (opts.mustExist) {
      try {
        readFileSync(path.join(root, 'checkpoint'));
      } catch {
        throw new IlogError('TILES_DIR_MISSING', `${root} is not a tiles directory (no checkpoint file)`, { dir: root });
      }
    } else {
      mkdirSync(path.join(root, 'tile'), { recursive: true });
    }
    return new TilesDir(root);
  }

  static pathOf(f: Pick<TileFile, 'level' | 'index' | 'width'>): string {
    return f.level === 'entries' ? entriesPath(f.index, f.width) : tilePath(f.level, f.index, f.width);
  }

  /** The checkpoint note (with any cosignatures), or undefined before the first commit. */
  checkpoint(): string | undefined {
    return this.readPath('checkpoint')?.toString();
  }

  readTile(level: number, index: number, width: number = TILE_WIDTH): Uint8Array | undefined {
    return this.readPath(tilePath(level, index, width));
  }

  readEntryBundle(index: number, width: number = TILE_WIDTH): Uint8Array | undefined {
    return this.readPath(entriesPath(index, width));
  }

  /** Read a file by its path relative to the directory (callers validate the path first). */
  readPath(rel: string): Buffer | undefined {
    try {
      return readFileSync(path.join(this.root, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Durably write tiles and bundles (not yet committed: see writeCheckpoint). */
  async writeTiles(files: readonly TileFile[]): Promise<void> {
    await writeFilesDurable(files.map((f) => ({ file: path.join(this.root, TilesDir.pathOf(f)), data: f.data })));
  }

  /** Durably replace the checkpoint: the commit point of everything written before. */
  writeCheckpoint(note: string): void {
    writeFileDurable(path.join(this.root, 'checkpoint'), note);
  }
}

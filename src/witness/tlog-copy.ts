// Where a mirror keeps its verified copy of a log. Two backends: a static
// tlog-tiles directory (any web server can serve it) and the storage area's
// SQLite LogStorage (served by the ordinary log read API).
//
// Contract: storeVerified is only ever called with data the mirror has already
// verified against a signed checkpoint, so whatever a crash leaves behind is
// still correct; commitCheckpoint makes the copy serve a new checkpoint.

import { IlogError } from '../ledger/errors.js';
import { leafHash } from '../ledger/hash.js';
import type { BuiltTile } from '../ledger/tile-builder.js';
import { TileBuilder } from '../ledger/tile-builder.js';
import { parseCheckpoint } from '../ledger/checkpoint.js';
import { parseNote } from '../ledger/note.js';
import { TILE_WIDTH } from '../ledger/tiles.js';
import type { LogStorage } from '../storage/log-storage.js';
import { TilesDir } from '../storage/tiles-dir/tiles-dir.js';

export interface VerifiedStep {
  fromSize: number;
  size: number;
  root: Uint8Array;
  /** The new entries, indexes fromSize..size-1. */
  entries: Uint8Array[];
  /** Entry bundles touched, tlog-tiles encoding (the last one may be partial). */
  bundles: { index: number; width: number; data: Uint8Array }[];
  /** Hash tiles that changed (TileBuilder output). */
  tiles: BuiltTile[];
}

export interface TlogCopy {
  /** Entries stored with their tiles, all verified: the mirror resumes from here. */
  verifiedSize(): number;
  /** The committed checkpoint, as served (log signature plus any cosignatures). */
  checkpoint(): string | undefined;
  readTile(level: number, index: number, width?: number): Uint8Array | undefined;
  readEntryBundle(index: number, width?: number): Uint8Array | undefined;
  storeVerified(step: VerifiedStep): Promise<void>;
  /** Serve `note` (of tree `size` <= verifiedSize()) from now on; durable when it resolves. */
  commitCheckpoint(size: number, note: string): Promise<void>;
  close(): void;
}

function noteSize(note: string | undefined): number {
  return note === undefined ? 0 : parseCheckpoint(parseNote(note).text).size;
}

export class TilesDirCopy implements TlogCopy {
  readonly dir: TilesDir;
  #verified: number;

  constructor(root: string) {
    this.dir = TilesDir.open(root);
    // Files past the checkpoint may exist after a crash; they are rewritten, so resume at the checkpoint.
    this.#verified = noteSize(this.dir.checkpoint());
  }

  verifiedSize(): number {
    return this.#verified;
  }

  checkpoint(): string | undefined {
    return this.dir.checkpoint();
  }

  readTile(level: number, index: number, width = TILE_WIDTH): Uint8Array | undefined {
    return this.dir.readTile(level, index, width);
  }

  readEntryBundle(index: number, width = TILE_WIDTH): Uint8Array | undefined {
    return this.dir.readEntryBundle(index, width);
  }

  async storeVerified(step: VerifiedStep): Promise<void> {
    if (step.fromSize !== this.#verified) throw new IlogError('MIRROR_GAP', 'verified data must continue the copy', { fromSize: step.fromSize, have: this.#verified });
    await this.dir.writeTiles([...step.bundles.map((b) => ({ level: 'entries' as const, ...b })), ...step.tiles]);
    this.#verified = step.size;
  }

  async commitCheckpoint(size: number, note: string): Promise<void> {
    if (size > this.#verified) throw new IlogError('MIRROR_GAP', 'cannot commit a checkpoint beyond the verified data', { size, verified: this.#verified });
    this.dir.writeCheckpoint(note);
  }

  close(): void {}
}

export class StorageCopy implements TlogCopy {
  readonly storage: LogStorage;

  /** Wraps a LogStorage (the mirror's `<dir>/log.db`); finishes an integration a crash interrupted. */
  constructor(storage: LogStorage) {
    this.storage = storage;
    const integrated = storage.integratedSize();
    const sequenced = storage.size();
    if (sequenced > integrated) {
      // Only verified entries are ever appended (storeVerified), so finishing their integration is safe.
      const builder = TileBuilder.open(integrated, (l, i, w) => storage.readTile(l, i, w));
      const up = builder.append(storage.readEntries(integrated, sequenced, sequenced - integrated).map(leafHash));
      storage.integrate({ fromSize: integrated, tree: { size: up.size, root: up.root }, tiles: up.tiles.map(({ level, index, data }) => ({ level, index, data })) });
    }
  }

  verifiedSize(): number {
    return this.storage.integratedSize();
  }

  checkpoint(): string | undefined {
    return this.storage.latestCheckpoint();
  }

  readTile(level: number, index: number, width = TILE_WIDTH): Uint8Array | undefined {
    return this.storage.readTile(level, index, width);
  }

  readEntryBundle(index: number, width = TILE_WIDTH): Uint8Array | undefined {
    return this.storage.readEntryBundle(index, width);
  }

  async storeVerified(step: VerifiedStep): Promise<void> {
    if (this.storage.size() !== step.fromSize) throw new IlogError('MIRROR_GAP', 'verified data must continue the copy', { fromSize: step.fromSize, have: this.storage.size() });
    this.storage.appendBatch(step.entries);
    const ok = this.storage.integrate({
      fromSize: step.fromSize,
      tree: { size: step.size, root: step.root },
      tiles: step.tiles.map(({ level, index, data }) => ({ level, index, data })),
    });
    if (!ok) throw new IlogError('MIRROR_CONFLICT', 'another writer changed the mirror storage; run one mirror per directory');
  }

  async commitCheckpoint(size: number, note: string): Promise<void> {
    // false = a checkpoint of this size is already stored (e.g. re-committed after a restart).
    this.storage.addCheckpoint(size, note);
  }

  close(): void {
    this.storage.close();
  }
}

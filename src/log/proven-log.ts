// What a replay may believe: only entries the newest signed checkpoint covers.
// Every component that replays the log (governance policy, the proxy's person
// directory and locks, the alert book, the detector) reads through this class,
// via the Follower or governance's `advance`, so a byte edited in log.db cannot
// change what they believe without being caught:
// - size() is the size of the latest checkpoint signed by the log key
//   (C2SP tlog-checkpoint v1.0.0 / signed-note v1.0.0) — the store's, or a
//   newer one handed in by offer() — and each newer checkpoint must be
//   consistent (RFC 9162 §2.1.4) with the one before it;
// - readEntries() re-hashes every entry it returns (RFC 6962 leaf hashes) and
//   proves each level-0 tile of them into that checkpoint's root with an
//   inclusion proof whose inner-tile half comes from the fresh hashes, not
//   from stored tiles, so an edited entry, tile or tree state fails.
// Entries sequenced after the checkpoint are pending: replays wait for the next
// checkpoint (the appender signs within a second; commands that append sign one
// themselves) instead of acting on bytes no signature covers.
import { join } from 'node:path';
import { toHex } from '../ledger/bytes.js';
import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE, leafHashes } from '../ledger/hash.js';
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion, type NodeReader } from '../ledger/merkle.js';
import { verifierFromKey, type Verifier } from '../ledger/note.js';
import { FifoMap } from '../ledger/fifo-map.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import { TileTree } from '../ledger/tile-tree.js';
import { entriesPath, tilePath, TILE_HEIGHT, TILE_WIDTH } from '../ledger/tiles.js';
import type { LogStorage, NotifiedEntries } from '../storage/log-storage.js';
import { readLogConfig, readLogVkey } from './appender-files.js';

/** Stored tiles a ProvenLog keeps between checkpoints: the right edge of every level and then some. */
const TILE_CACHE = 64;

/** Codes by which a proven read says the stored log is not the signed one: replays stop for good on them. */
const INTEGRITY_CODES = new Set(['TILE_MISMATCH', 'BAD_CHECKPOINT', 'ENTRY_MISSING']);

/** Whether `e` says the log failed its integrity check (not a passing I/O hiccup). */
export function isIntegrityFailure(e: unknown): e is IlogError {
  return e instanceof IlogError && INTEGRITY_CODES.has(e.code);
}

/** The part of a LogStorage a proven reader needs. */
export type ProvableStorage = Pick<LogStorage, 'size' | 'readEntries' | 'readTile' | 'latestCheckpoint'>;

/**
 * What replays read: `size` and `readEntries` as in LogStorage, restricted to proven entries;
 * `offer`, where present, takes a checkpoint note from outside the store (ProvenLog.offer).
 */
export type EntryReader = Pick<LogStorage, 'size' | 'readEntries'> & { offer?(note: string, entries?: NotifiedEntries): boolean };

interface Proven {
  note: string;
  checkpoint: Checkpoint;
  /** Node reader over the stored tiles of this checkpoint's tree (upper levels of proofs). */
  nodes: NodeReader;
}

export class ProvenLog implements EntryReader {
  readonly #storage: ProvableStorage;
  readonly #verifier: Verifier;
  readonly #origin: string;
  #proven: Proven | undefined;
  /** A newer checkpoint handed in by offer(), already opened under the log key: the next size() starts from it. */
  #offered: { note: string; checkpoint: Checkpoint; entries?: NotifiedEntries | undefined } | undefined;
  /** Leaf hashes of the proven entries [start, start + n) of the partial level-0 tile read last: reading on in that tile reads only the entries after them. */
  #tail: { start: number; hashes: Uint8Array } | undefined;
  /** The entries from the proven tail up to a new checkpoint, read by size() to prove it consistent: the read that follows takes them (once). */
  #ahead: { from: number; entries: Uint8Array[] } | undefined;
  /** Stored tiles read, by level/index/width, most recent last: a tile of one width never changes, so a new checkpoint reads only the tiles that grew. */
  readonly #tiles = new FifoMap<string, Uint8Array>();
  /** New checkpoints proven from the entries their notification carried, the store not read for them. */
  notifiedEntriesUsed = 0;

  constructor(storage: ProvableStorage, vkey: string, origin: string) {
    this.#storage = storage;
    this.#verifier = verifierFromKey(vkey);
    this.#origin = origin;
  }

  /** A proven reader of the log in `dir` (its log.vkey and origin) over `storage`. */
  static forDir(dir: string, storage: ProvableStorage): ProvenLog {
    return new ProvenLog(storage, readLogVkey(dir), readLogConfig(dir).origin);
  }

  /**
   * `storage` itself if it is already proven, else a proven reader over it, keyed
   * by the data directory it lives in (SQLite storage knows its file).
   */
  static of(storage: ProvableStorage | ProvenLog): ProvenLog {
    if (storage instanceof ProvenLog) return storage;
    const path = (storage as { path?: unknown }).path;
    if (typeof path !== 'string') {
      throw new IlogError('NO_LOG', 'this storage does not say which log it holds; open the proven reader with ProvenLog.forDir(dir, storage)');
    }
    return ProvenLog.forDir(join(path, '..'), storage);
  }

  /** Entries sequenced but not yet covered by a signed checkpoint. */
  pending(): number {
    return Math.max(0, this.#storage.size() - this.size());
  }

  /**
   * A checkpoint note from outside the store — the payload of a PostgreSQL notification,
   * which anyone who can connect to the database may send — saves the next size() its read
   * of the store's latest checkpoint. It is taken only if it opens under the log key for
   * this origin and is larger than the checkpoint proven so far; it is then checked as a
   * stored one is (consistent with the one before, entries proven into it). Anything else
   * (forged, garbled, an old genuine note sent again) is dropped and is no evidence against
   * the log: returns whether the note was taken. `entries`, the notification's entries since
   * the checkpoint before, stand in for reading the new ones from the store only where they
   * prove this note consistent with the proven one (#consistentByEntries); entries that do
   * not are dropped, no evidence either, and the store is read.
   */
  offer(note: string, entries?: NotifiedEntries): boolean {
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, [this.#verifier], this.#origin).checkpoint;
    } catch {
      return false;
    }
    if (checkpoint.size <= Math.max(this.#proven?.checkpoint.size ?? 0, this.#offered?.checkpoint.size ?? 0)) return false;
    this.#offered = { note, checkpoint, entries };
    return true;
  }

  /** Size of the newest signed checkpoint (0 before the first): the entries a replay may read. */
  size(): number {
    // offer() took only a note larger than the proven one, and only this method moves that.
    const offered = this.#offered;
    this.#offered = undefined;
    const note = offered?.note ?? this.#storage.latestCheckpoint();
    if (note === undefined) return 0;
    if (note === this.#proven?.note) return this.#proven.checkpoint.size;
    const checkpoint = offered?.checkpoint ?? this.#open(note);
    const old = this.#proven?.checkpoint;
    // One node reader for the consistency proof and the inclusion proofs that follow; tiles unchanged since the last checkpoint come from #tiles.
    const nodes = tileNodeReader(checkpoint.size, (l, i, w) => this.#readTile(l, i, w));
    this.#ahead = undefined;
    if (old && old.size > 0) {
      // Entries already replayed were proven against `old`: the new tree must extend it.
      if (checkpoint.size < old.size) {
        throw new IlogError('BAD_CHECKPOINT', 'the newest signed checkpoint is smaller than one replayed before: the log was rolled back', { old: old.size, new: checkpoint.size });
      }
      if (!this.#consistentByEntries(old, checkpoint, nodes, offered?.entries)) {
        try {
          verifyConsistency(old.size, checkpoint.size, consistencyProof(old.size, checkpoint.size, nodes), old.root, checkpoint.root);
        } catch (err) {
          if (!(err instanceof IlogError)) throw err;
          throw new IlogError('BAD_CHECKPOINT', `checkpoint ${checkpoint.size} is not consistent with checkpoint ${old.size} replayed before; run \`ilog verify\``, { old: old.size, new: checkpoint.size, cause: err.code });
        }
      }
    }
    this.#proven = { note, checkpoint, nodes };
    return checkpoint.size;
  }

  /**
   * Entries [from, min(to, size())), at most `limit`, each proven into the
   * checkpoint. Throws TILE_MISMATCH naming the first entry that is not.
   */
  readEntries(from: number, to: number, limit = 65_536): Uint8Array[] {
    return this.readProven(from, to, limit).entries;
  }

  /** readEntries, with the leaf hashes that proved them (HASH_SIZE bytes each, in order): a follower that needs them hashes nothing twice. */
  readProven(from: number, to: number, limit = 65_536): { entries: Uint8Array[]; hashes: Uint8Array } {
    // A range the proven checkpoint covers needs no newer one (a replay asks size() first, then reads up to it).
    const size = this.#proven && to <= this.#proven.checkpoint.size ? this.#proven.checkpoint.size : this.size();
    const end = Math.min(to, size, from + limit);
    if (!(from < end)) return { entries: [], hashes: new Uint8Array(0) };
    const proven = this.#proven!;
    // Whole tiles: a tile's inclusion proof covers every entry in it. The front of the first tile
    // proven before (a follower reading on where it stopped) is not read again: every checkpoint
    // taken since extends the one those hashes were proven against (size() checks consistency).
    const first = Math.floor(from / TILE_WIDTH) * TILE_WIDTH;
    const last = Math.min(size, Math.ceil(end / TILE_WIDTH) * TILE_WIDTH);
    const tail = this.#tail;
    const known = tail && tail.start === first && from >= first + tail.hashes.byteLength / HASH_SIZE ? tail.hashes : new Uint8Array(0);
    const start = first + known.byteLength / HASH_SIZE;
    const ahead = this.#ahead;
    this.#ahead = undefined;
    const entries = ahead && ahead.from === start && ahead.entries.length === last - start ? ahead.entries : this.#storage.readEntries(start, last, last - start);
    if (entries.length !== last - start) throw new IlogError('ENTRY_MISSING', 'the log lacks entries its checkpoint covers; run `ilog verify`', { index: start + entries.length, size });
    const hashes = known.byteLength === 0 ? leafHashes(entries) : Buffer.concat([known, leafHashes(entries)]);
    for (let at = first; at < last; at += TILE_WIDTH) {
      const width = Math.min(TILE_WIDTH, last - at);
      this.#proveTile(proven, at / TILE_WIDTH, hashes.subarray((at - first) * HASH_SIZE, (at - first + width) * HASH_SIZE));
    }
    const edge = Math.floor(last / TILE_WIDTH) * TILE_WIDTH;
    this.#tail = edge < last ? { start: edge, hashes: hashes.slice((edge - first) * HASH_SIZE) } : undefined;
    return { entries: entries.slice(from - start, end - start), hashes: hashes.subarray((from - first) * HASH_SIZE, (end - first) * HASH_SIZE) };
  }

  /**
   * Proves `next` consistent with `old` from the entries between them, where this reader holds
   * the proven front of the level-0 tile that both trees end in (a follower a few entries
   * behind): that tile of `next` is its proven hashes plus the new entries' hashes, so the
   * stored one need not be read, and the entries, read once here, serve the read that follows
   * (they are proven into `next` there like any others). The entries a notification carried
   * (`offered`) are tried first and the store is read only if they do not prove it. Returns
   * false, keeping nothing, where this does not apply or the proof fails: the caller then checks
   * with the stored tiles, and an edited entry is reported there with its evidence
   * (TILE_MISMATCH), as before.
   */
  #consistentByEntries(old: Checkpoint, next: Checkpoint, nodes: NodeReader, offered?: NotifiedEntries): boolean {
    const tail = this.#tail;
    if (!tail || tail.start + tail.hashes.byteLength / HASH_SIZE !== old.size || next.size > tail.start + TILE_WIDTH) return false;
    const at = tail.start / TILE_WIDTH;
    const proves = (fresh: Uint8Array[]): boolean => {
      if (fresh.length !== next.size - old.size) return false;
      const tile = TileTree.fromTile(Buffer.concat([tail.hashes, leafHashes(fresh)]));
      const reader: NodeReader = (level, index) =>
        level < TILE_HEIGHT && index >> (TILE_HEIGHT - level) === at ? tile.node(level, index - at * (TILE_WIDTH >> level)) : nodes(level, index);
      try {
        verifyConsistency(old.size, next.size, consistencyProof(old.size, next.size, reader), old.root, next.root);
      } catch (err) {
        if (!(err instanceof IlogError)) throw err;
        return false;
      }
      this.#ahead = { from: old.size, entries: fresh };
      return true;
    };
    if (offered && offered.from <= old.size && offered.from + offered.entries.length === next.size && proves(offered.entries.slice(old.size - offered.from))) {
      this.notifiedEntriesUsed++;
      return true;
    }
    return proves(this.#storage.readEntries(old.size, next.size, next.size - old.size));
  }

  /** A stored tile through #tiles (64 tiles, least recently used dropped). */
  #readTile(level: number, index: number, width: number): Uint8Array | undefined {
    const key = `${level}/${index}/${width}`;
    let tile = this.#tiles.get(key);
    if (tile) this.#tiles.delete(key);
    else tile = this.#storage.readTile(level, index, width);
    if (!tile) return undefined;
    this.#tiles.set(key, tile);
    if (this.#tiles.size > TILE_CACHE) this.#tiles.deleteOldest();
    return tile;
  }

  #open(note: string): Checkpoint {
    try {
      return openCheckpoint(note, [this.#verifier], this.#origin).checkpoint;
    } catch (err) {
      if (!(err instanceof IlogError)) throw err;
      throw new IlogError('BAD_CHECKPOINT', `the newest stored checkpoint is not signed by the log key: ${err.message}`, { cause: err.code, ...err.evidence });
    }
  }

  /** Proves level-0 tile `tile` (the fresh leaf hashes) into the checkpoint's tree. */
  #proveTile(proven: Proven, tile: number, hashes: Uint8Array): void {
    const { size, root } = proven.checkpoint;
    const ours = TileTree.fromTile(hashes);
    // Nodes inside this tile come from the fresh hashes; the rest of the path from stored tiles.
    const nodes: NodeReader = (level, index) =>
      level < TILE_HEIGHT && index >> (TILE_HEIGHT - level) === tile ? ours.node(level, index - tile * (TILE_WIDTH >> level)) : proven.nodes(level, index);
    const leaf = tile * TILE_WIDTH;
    try {
      verifyInclusion(leaf, size, hashes.subarray(0, HASH_SIZE), inclusionProof(leaf, size, nodes), root);
    } catch (err) {
      if (!(err instanceof IlogError)) throw err;
      throw this.#mismatch(tile, hashes, size, err.code);
    }
  }

  /** The evidence: the first entry whose hash differs from the stored tile, else the tile itself. */
  #mismatch(tile: number, hashes: Uint8Array, size: number, cause: string): IlogError {
    const width = hashes.byteLength / HASH_SIZE;
    const stored = this.#storage.readTile(0, tile, width);
    let p = 0;
    while (stored && p < width && Buffer.compare(stored.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE), hashes.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE)) === 0) p++;
    const index = tile * TILE_WIDTH + Math.min(p, width - 1);
    return new IlogError(
      'TILE_MISMATCH',
      `entry ${index} is not the entry the signed checkpoint of size ${size} covers: log.db was altered; stop, restore the log from a mirror (\`ilog restore\`) and run \`ilog verify\``,
      {
        index,
        tile: tilePath(0, tile, width),
        bundle: entriesPath(tile, width),
        checkpointSize: size,
        cause,
        ...(stored && p < width ? { expected: toHex(stored.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE)), found: toHex(hashes.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE)) } : {}),
      },
    );
  }
}

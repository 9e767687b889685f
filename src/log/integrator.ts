// Integration: hash sequenced entries into C2SP tlog-tiles v0.1.0 hash tiles
// and the RFC 6962 root, and store both with one compare-and-swap on the tree
// size (LogStorage.integrate). Several integrators — one per process that has
// the log open — may race; a loser drops its in-memory right edge and reloads it
// from storage on the next step, so the stored tree only ever has one history.
// Entries this process committed are hashed from memory (offer()); others'
// are read back from storage, asynchronously when the storage is a network
// store (a PostgreSQL round trip must not hold the event loop).
// Several integrators on one log would each hash and read back every entry,
// and all but one would lose the compare-and-swap: in the background only the
// holder of a lease steps (PostgreSQL: IntegrationLease), or, without one, an
// integrator that finds the tree moved by another since its last look leaves
// the step to that one (yield), and steps again once the tree stands still.

import { HASH_SIZE, leafHashes } from '../ledger/hash.js';
import { TileBuilder } from '../ledger/tile-builder.js';
import { partialTiles } from '../ledger/tiles.js';
import type { LogReader } from '../storage/log-reader.js';
import type { LogStorage, TreeState } from '../storage/log-storage.js';
import type { StorageWriter } from './appender-writer.js';

export interface IntegratorOptions {
  /** Entries hashed per step (default 8,192): bounds memory and how long one step holds the thread. */
  maxStepEntries?: number;
  /**
   * With a lease: a writer that does not hold it integrates anyway once the tree has stood
   * still this long with entries waiting (ms, default 2,000): a holder whose process is alive
   * but not integrating (a stalled event loop, a lease connection that died unnoticed) only
   * delays integration, never stops it. Safe: the compare-and-swap decides.
   */
  leaseStallMs?: number;
}

/** The reads an integrator makes (LogReader's; a synchronous LogStorage is wrapped). */
export type IntegratorReader = Pick<LogReader, 'treeState' | 'size' | 'readEntries' | 'readTile' | 'readLeafHashes'>;

/** Who integrates in the background among several writers (storage/postgres/integration-lease.ts). */
export interface IntegratorLease {
  /** Whether this integrator may step in the background now; never rejects. */
  hold(): Promise<boolean>;
}

/** The stored tree after a step; `checkpoint`: the note signed over it and stored with it (step's `sign`). */
export interface Stepped extends TreeState {
  checkpoint?: string;
  /** Entries sequenced when the step looked. */
  sequenced: number;
}

interface Batch {
  first: number;
  entries: Uint8Array[];
}

export interface IntegratorStats {
  /** Successful integrations stored. */
  steps: number;
  /** Steps that lost the compare-and-swap to another integrator. */
  conflicts: number;
  /** Background steps left to another integrator that had moved the tree. */
  yielded: number;
  /** Entries hashed (stored or not). */
  hashed: number;
  /** Time per phase (ms): reading tree state, size, tiles and entries; leaf and tile hashing; the integrate write. */
  readMs: number;
  hashMs: number;
  writeMs: number;
}

export class Integrator {
  readonly #storage: IntegratorReader;
  readonly #writer: StorageWriter;
  readonly #maxStep: number;
  /** The right edge of the stored tree as this process last saw it; undefined = reload. */
  #builder: TileBuilder | undefined;
  readonly #stats: IntegratorStats = { steps: 0, conflicts: 0, yielded: 0, hashed: 0, readMs: 0, hashMs: 0, writeMs: 0 };
  /** Batches this process committed recently, oldest first. */
  #recent: Batch[] = [];
  #recentCount = 0;
  /** The stored tree's size at this integrator's last look (undefined before the first). */
  #lastSeen: number | undefined;
  /** When the stored tree was last seen to change (or first seen). */
  #lastMoveAt = 0;
  /** Since when entries have been seen waiting (undefined: caught up at the last look). */
  #behindSince: number | undefined;
  readonly #lease: IntegratorLease | undefined;
  readonly #stallMs: number;

  /** Reads through `storage` (or `reader`, asynchronous), writes through `writer` (same log). One step at a time. */
  constructor(storage: LogStorage, writer: StorageWriter, opts: IntegratorOptions = {}, io: { reader?: IntegratorReader; lease?: IntegratorLease } = {}) {
    this.#lease = io.lease;
    this.#stallMs = opts.leaseStallMs ?? 2000;
    this.#storage = io.reader ?? {
      treeState: async () => storage.treeState(),
      size: async () => storage.size(),
      readEntries: async (from, to, limit) => storage.readEntries(from, to, limit),
      readTile: async (level, index, width) => storage.readTile(level, index, width),
    };
    this.#writer = writer;
    this.#maxStep = Math.max(1, opts.maxStepEntries ?? 8192);
  }

  /** Entries hashed per step at most. */
  get maxStepEntries(): number {
    return this.#maxStep;
  }

  get stats(): IntegratorStats {
    return { ...this.#stats };
  }

  /** Entries just committed at `first`.. (by this process): integrate them without reading them back. */
  offer(first: number, entries: Uint8Array[]): void {
    this.#recent.push({ first, entries });
    this.#recentCount += entries.length;
    // Bounded: what falls out is simply read from storage.
    while (this.#recentCount > 4 * this.#maxStep && this.#recent.length > 1) this.#dropOldest();
  }

  #dropOldest(): void {
    this.#recentCount -= (this.#recent.shift() as Batch).entries.length;
  }

  /**
   * Leaf hashes of entries [from, to): hashed from memory where offered batches cover them
   * from `from` on; the rest of the step, from the first other writer's entry, in one read:
   * hashes computed by the store where it can (readLeafHashes), else its entries hashed
   * here. One read of the rest of the step, not one per other writer's run: with 4 writers
   * a step met ~6 runs, and each read waited for a turn of a busy event loop. Fewer than
   * asked only if storage returns fewer.
   */
  async #leafHashes(from: number, to: number): Promise<Uint8Array> {
    for (let head = this.#recent[0]; head && head.first + head.entries.length <= from; head = this.#recent[0]) this.#dropOldest();
    const own: Uint8Array[] = [];
    let pos = from;
    for (const b of this.#recent) {
      if (b.first > pos || pos >= to) break; // a gap: entries another process appended
      const end = Math.min(b.first + b.entries.length, to);
      for (let i = pos; i < end; i++) own.push(b.entries[i - b.first] as Uint8Array);
      pos = end;
    }
    const hashed = leafHashes(own); // batched SIMD: ~2x leafHash in a loop
    if (pos >= to) return hashed;
    const storage = this.#storage;
    const rest = storage.readLeafHashes ? await storage.readLeafHashes(pos, to) : leafHashes(await storage.readEntries(pos, to));
    const out = new Uint8Array(hashed.byteLength + rest.byteLength);
    out.set(hashed);
    out.set(rest, hashed.byteLength);
    return out;
  }

  /**
   * Integrate up to maxStepEntries of the entries sequenced but not yet in the
   * tree; with `yieldToOthers` (background steps), only if this integrator's turn
   * (above). Returns the stored tree after the step (which may be another
   * integrator's, larger than ours). Storage errors propagate; the next step
   * starts from storage again. With `sign`, a step that integrates everything
   * sequenced signs its tree and stores the checkpoint with it, in one transaction
   * (Integration.checkpoint): a lock reaches the followers one durable commit sooner.
   */
  async step(yieldToOthers = false, sign?: (tree: TreeState) => string): Promise<Stepped> {
    const storage = this.#storage;
    const stats = this.#stats;
    const t0 = performance.now();
    // Both at once: on a network store each read waits for a round trip and a turn of the event loop.
    const [tree, sequenced] = await Promise.all([storage.treeState(), storage.size()]);
    const moved = this.#lastSeen !== undefined && tree.size !== this.#lastSeen;
    if (this.#lastSeen === undefined || moved) this.#lastMoveAt = performance.now();
    this.#lastSeen = tree.size;
    if (yieldToOthers && !(await this.#myTurn(moved, tree.size < sequenced))) {
      // Another integrator is at work: it will store this step too. Look again next time.
      stats.yielded++;
      stats.readMs += performance.now() - t0;
      return { ...tree, sequenced };
    }
    if (tree.size >= sequenced) return (stats.readMs += performance.now() - t0), { ...tree, sequenced };
    // The right edge (when another integrator moved the tree) and the new leaves are read at once.
    const [builder, hashes] = await Promise.all([
      this.#builder?.size === tree.size ? this.#builder : this.#openBuilder(tree.size),
      this.#leafHashes(tree.size, Math.min(sequenced, tree.size + this.#maxStep)),
    ]);
    this.#builder = undefined; // until the step is stored, the builder is ahead of storage
    const t1 = performance.now();
    const update = builder.append(hashes);
    const next: TreeState = { size: update.size, root: update.root };
    // Signed before it is stored, and stored only with it: a note over a tree that loses the
    // compare-and-swap is dropped here, never published.
    const checkpoint = sign && next.size >= sequenced && next.size > tree.size ? sign(next) : undefined;
    const t2 = performance.now();
    const stored = await this.#writer.integrate({ fromSize: tree.size, tree: next, tiles: update.tiles, ...(checkpoint === undefined ? {} : { checkpoint }) });
    stats.readMs += t1 - t0;
    stats.hashMs += t2 - t1;
    stats.writeMs += performance.now() - t2;
    stats.hashed += hashes.byteLength / HASH_SIZE;
    if (!stored) {
      stats.conflicts++;
      const now = await storage.treeState();
      this.#lastSeen = now.size;
      return { ...now, sequenced };
    }
    stats.steps++;
    this.#builder = builder;
    this.#lastSeen = next.size;
    this.#lastMoveAt = performance.now();
    this.#behindSince = undefined;
    return { ...next, sequenced, ...(checkpoint === undefined ? {} : { checkpoint }) };
  }

  /** Background steps: the lease holder's; without a lease, whoever finds the tree where it last saw it; anyone once the tree has stalled. */
  async #myTurn(moved: boolean, behind: boolean): Promise<boolean> {
    const now = performance.now();
    this.#behindSince = behind ? (this.#behindSince ?? now) : undefined;
    if (!this.#lease) return !moved;
    if (await this.#lease.hold()) return true;
    return this.#behindSince !== undefined && now - Math.max(this.#lastMoveAt, this.#behindSince) >= this.#stallMs;
  }

  /** The right edge of the stored tree of `size`: its partial tiles, read before building (reads may be asynchronous). */
  async #openBuilder(size: number): Promise<TileBuilder> {
    const refs = partialTiles(size);
    const tiles = await Promise.all(refs.map((t) => this.#storage.readTile(t.level, t.index, t.width))); // one round trip's wait, not one per level
    const edge = new Map(refs.map((t, k) => [`${t.level}/${t.index}/${t.width}`, tiles[k]]));
    return TileBuilder.open(size, (l, i, w) => edge.get(`${l}/${i}/${w}`));
  }

  /** Step until every entry sequenced when called is integrated (`ilog lock`, checkpoint(), close()); `sign`: as step's. */
  async catchUp(sign?: (tree: TreeState) => string): Promise<Stepped> {
    // The first step's look at the sequenced size is the target (a query fewer in flight: with a
    // signing and the poll, a fifth query waited for a pooled connection to be opened, 40-50 ms).
    let tree = await this.step(false, sign);
    const target = tree.sequenced;
    while (tree.size < target) tree = await this.step(false, sign);
    return tree;
  }
}

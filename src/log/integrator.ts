// Integration: hash sequenced entries into C2SP tlog-tiles v0.1.0 hash tiles
// and the RFC 6962 root, and store both with one compare-and-swap on the tree
// size (LogStorage.integrate). Several integrators — one per process that has
// the log open — may race; a loser drops its in-memory right edge and reloads it
// from storage on the next step, so the stored tree only ever has one history.
// Entries this process committed are hashed from memory (offer()); others'
// are read back from storage.

import { leafHashes } from '../ledger/hash.js';
import { TileBuilder } from '../ledger/tile-builder.js';
import type { LogStorage, TreeState } from '../storage/log-storage.js';
import type { StorageWriter } from './appender-writer.js';

export interface IntegratorOptions {
  /** Entries hashed per step (default 8,192): bounds memory and how long one step holds the thread. */
  maxStepEntries?: number;
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
}

export class Integrator {
  readonly #storage: LogStorage;
  readonly #writer: StorageWriter;
  readonly #maxStep: number;
  /** The right edge of the stored tree as this process last saw it; undefined = reload. */
  #builder: TileBuilder | undefined;
  readonly #stats: IntegratorStats = { steps: 0, conflicts: 0 };
  /** Batches this process committed recently, oldest first. */
  #recent: Batch[] = [];
  #recentCount = 0;

  /** Reads through `storage`, writes through `writer` (same log). One step at a time. */
  constructor(storage: LogStorage, writer: StorageWriter, opts: IntegratorOptions = {}) {
    this.#storage = storage;
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

  /** Entries [from, to): from memory while offered batches cover them contiguously, else from storage. */
  #entries(from: number, to: number): Uint8Array[] {
    for (let head = this.#recent[0]; head && head.first + head.entries.length <= from; head = this.#recent[0]) this.#dropOldest();
    const out: Uint8Array[] = [];
    let pos = from;
    for (const b of this.#recent) {
      if (b.first > pos || pos >= to) break; // a gap: entries another process appended
      const end = Math.min(b.first + b.entries.length, to);
      for (let i = pos; i < end; i++) out.push(b.entries[i - b.first] as Uint8Array);
      pos = end;
    }
    if (out.length > 0) return out;
    const nextOwn = this.#recent[0]?.first ?? to;
    return this.#storage.readEntries(from, Math.min(to, Math.max(nextOwn, from + 1)));
  }

  /**
   * Integrate up to maxStepEntries of the entries sequenced but not yet in the
   * tree. Returns the stored tree after the step (which may be another
   * integrator's, larger than ours). Storage errors propagate; the next step
   * starts from storage again.
   */
  async step(): Promise<TreeState> {
    const storage = this.#storage;
    const tree = storage.treeState();
    const sequenced = storage.size();
    if (tree.size >= sequenced) return tree;
    if (this.#builder?.size !== tree.size) this.#builder = TileBuilder.open(tree.size, (l, i, w) => storage.readTile(l, i, w));
    const builder = this.#builder;
    this.#builder = undefined; // until the step is stored, the builder is ahead of storage
    const entries = this.#entries(tree.size, Math.min(sequenced, tree.size + this.#maxStep));
    const update = builder.append(leafHashes(entries)); // batched SIMD: ~2x leafHash in a loop
    const next: TreeState = { size: update.size, root: update.root };
    if (!(await this.#writer.integrate({ fromSize: tree.size, tree: next, tiles: update.tiles }))) {
      this.#stats.conflicts++;
      return storage.treeState();
    }
    this.#stats.steps++;
    this.#builder = builder;
    return next;
  }

  /** Step until every entry sequenced when called is integrated (used by tests and tools, not the hot path). */
  async catchUp(): Promise<TreeState> {
    const target = this.#storage.size();
    let tree = await this.step();
    while (tree.size < target) tree = await this.step();
    return tree;
  }
}

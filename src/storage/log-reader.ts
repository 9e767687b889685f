// The LogStorage contract (log-storage.ts), asynchronous and split into two
// capabilities, as Tessera splits its LogReader from the appender: a reader
// (every backend, read-only sources included: a static tiles directory, a log
// served over HTTP) and a writer (backends that sequence: SQLite, PostgreSQL).
// A network store (PostgreSQL) can only be asynchronous; the embedded SQLite
// backend is synchronous underneath and is wrapped by asyncLog().
//
// Every guarantee of LogStorage holds here unchanged (durability, atomicity,
// serialised concurrent writers, monotonicity, immutability), plus:
// - A returned promise MUST NOT resolve before the effect it reports is durable;
//   a rejected write MAY nevertheless have taken effect (a torn commit: the
//   acknowledgement was lost), so writers MUST re-read state (size(),
//   treeState(), latestCheckpoint()) after a failure rather than assume nothing
//   happened; a write MUST never take effect twice because it was retried.
// - Readers MUST treat a source as untrusted: a reader returns bytes, it never
//   vouches for them (proofs are checked against a signed checkpoint by callers).
// The conformance suite (test/storage/conformance.ts) runs against every backend.

import type { Integration, LogStorage, LogStorageReader, NotifiedEntries, StoredCheckpoint, TreeState } from './log-storage.js';

export interface LogReader {
  /** Entries sequenced, all durable; a read-only source has only integrated ones. */
  size(): Promise<number>;
  /** The integrated tree (size and RFC 6962 root), read atomically together. */
  treeState(): Promise<TreeState>;
  /** Entries [from, min(to, size())), in order, at most `limit` (default 65,536). BAD_RANGE on bad bounds. */
  readEntries(from: number, to: number, limit?: number): Promise<Uint8Array[]>;
  /**
   * Optional: the RFC 6962 leaf hashes of entries [from, min(to, size())), at most `limit`, 32
   * bytes each, concatenated; computed by the store (PostgreSQL), so an integrator need not
   * fetch entries to hash them. MUST equal leafHashes(readEntries(from, to, limit)).
   */
  readLeafHashes?(from: number, to: number, limit?: number): Promise<Uint8Array>;
  /** Hash tile (level, index) of `width` (default 256), or undefined if not integrated that far. */
  readTile(level: number, index: number, width?: number): Promise<Uint8Array | undefined>;
  /** Entry bundle `index` of `width` (default 256), tlog-tiles encoding, or undefined unless integrated. */
  readEntryBundle(index: number, width?: number): Promise<Uint8Array | undefined>;
  /** The signed note of the largest stored checkpoint, or undefined before the first. */
  latestCheckpoint(): Promise<string | undefined>;
  /** Stored checkpoints with size >= fromSize, ascending, at most `limit` (default 1,000). */
  checkpoints(fromSize?: number, limit?: number): Promise<StoredCheckpoint[]>;
  /** Optional, as LogStorageReader.watchCheckpoints: a wake-up after any writer stores a checkpoint, with its note unauthenticated; MAY miss some, so keep polling. */
  watchCheckpoints?(listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void): () => void;
  /** Release resources; no method may be called afterwards. */
  close(): Promise<void>;
}

export interface LogWriter {
  /** LogStorage.appendBatch: durable, gap-free, never an index twice, across processes and hosts. */
  appendBatch(entries: readonly Uint8Array[]): Promise<{ first: number; count: number }>;
  /** LogStorage.integrate: compare-and-swap on the tree size; false = lost the race, reload. */
  integrate(step: Integration): Promise<boolean>;
  /** LogStorage.addCheckpoint: false (nothing stored) if the same or a larger size is stored. */
  addCheckpoint(size: number, note: string): Promise<boolean>;
}

/** A backend that both reads and sequences. */
export interface LogStore extends LogReader, LogWriter {}

/** Opens a store on a fresh or existing location (used by the conformance suite). */
export type LogStoreFactory = (dir: string) => LogStore | Promise<LogStore>;

/** A synchronous reader seen through the asynchronous contract. */
export function asyncReader(s: LogStorageReader): LogReader {
  return {
    size: async () => s.size(),
    treeState: async () => s.treeState(),
    readEntries: async (from, to, limit) => s.readEntries(from, to, limit),
    readTile: async (level, index, width) => s.readTile(level, index, width),
    readEntryBundle: async (index, width) => s.readEntryBundle(index, width),
    latestCheckpoint: async () => s.latestCheckpoint(),
    checkpoints: async (fromSize, limit) => s.checkpoints(fromSize, limit),
    close: async () => s.close(),
  };
}

/** A synchronous backend (SQLite) seen through the asynchronous contract. */
export function asyncLog(s: LogStorage): LogStore {
  return {
    ...asyncReader(s),
    appendBatch: async (entries) => s.appendBatch(entries),
    integrate: async (step) => s.integrate(step),
    addCheckpoint: async (size, note) => s.addCheckpoint(size, note),
  };
}

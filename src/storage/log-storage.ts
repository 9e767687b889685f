// The LogStorage contract: what the appender (sequencer, integrator,
// checkpointer) and the C2SP tlog-tiles v0.1.0 read API need from a backend.
// Every backend runs the conformance suite in test/storage/conformance.ts.
//
// Three kinds of data, each append-only:
//   entries      sequenced (durable) entries, index 0..size()-1;
//   tiles        hash tiles of the first integratedSize() entries, plus the tree state
//                (integrated size and RFC 6962 root), always consistent with each other;
//   checkpoints  signed notes (tlog-checkpoint v1.0.0), whole history kept.
//
// Guarantees every implementation MUST give:
// - Durability: when appendBatch or addCheckpoint returns, its effect (and that
//   of every earlier call) survives a process kill and a power loss at any
//   instant. integrate() survives a process kill; against power loss it MAY be
//   durable only once a later appendBatch/addCheckpoint returns (tiles can be
//   rebuilt from entries), so a power loss MAY roll the tree back, but never
//   below the latest stored checkpoint.
// - Atomicity: a mutating call takes effect entirely or not at all; a reader
//   never sees part of a batch, or tiles without the tree state that names them.
// - Concurrency: several processes (and several instances in one process) MAY
//   call mutating methods on the same log at once; each call is serialised with
//   the others (appendBatch never hands out an index twice, never leaves a gap).
// - Monotonicity: size(), integratedSize() and the latest checkpoint's size never
//   decrease (integratedSize() short of power loss, above); integratedSize() <= size();
//   latest checkpoint size <= integratedSize().
// - Immutability: stored entries, full tiles and stored checkpoints MUST NOT change.
//   A partial tile only ever grows (each width is a prefix of the next).
// Methods are synchronous: the embedded backend (better-sqlite3) is, and calls
// are short (one batch, one tile). Bad arguments throw IlogError with a code.
// The same contract, asynchronous and split into a reader and a writer
// capability (for network stores and read-only sources), is log-reader.ts.

/** The tree the stored tiles describe. */
export interface TreeState {
  /** Number of entries hashed into tiles. */
  size: number;
  /** RFC 6962 root of those entries (EMPTY_ROOT for size 0). */
  root: Uint8Array;
}

/** A hash tile to store: width = data.byteLength / 32, 1..256. */
export interface TileWrite {
  level: number;
  index: number;
  data: Uint8Array;
}

/** One integration step: the tree grows from `fromSize` to `tree.size`. */
export interface Integration {
  fromSize: number;
  tree: TreeState;
  /** Every tile that changed between the two sizes (full tiles completed, partial tiles grown). */
  tiles: readonly TileWrite[];
  /**
   * A signed checkpoint note of `tree` to store with it, in the same transaction, as
   * addCheckpoint(tree.size, checkpoint) would right after: a writer that signs the tree it
   * integrates (`ilog lock`) saves a second durable transaction before the followers hear of it.
   */
  checkpoint?: string;
}

/** Entries [from, from + entries.length) a checkpoint notification carries: unauthenticated, like its note. */
export interface NotifiedEntries {
  from: number;
  entries: Uint8Array[];
}

export interface StoredCheckpoint {
  size: number;
  /** The signed note, exactly as signed. */
  note: string;
}

/**
 * The read half of LogStorage: what a read-only source (a static tiles
 * directory) offers. A read-only source has no sequenced-only entries: its
 * size() is its integratedSize().
 */
export interface LogStorageReader {
  /** Number of entries sequenced (all durable). Reflects other writers' commits. */
  size(): number;

  /**
   * Entries [from, min(to, size())), in order; at most `limit` (default 65,536) of them.
   * Throws BAD_RANGE for negative or non-integer bounds.
   */
  readEntries(from: number, to: number, limit?: number): Uint8Array[];

  /** The integrated tree (size and root), read atomically together. */
  treeState(): TreeState;

  /** treeState().size. */
  integratedSize(): number;

  /**
   * The hash tile (level, index) of `width` (default 256 = full), or undefined if
   * the integrated tree does not have that many hashes in that tile yet. Any
   * width up to the stored one is served (a prefix of the stored tile).
   */
  readTile(level: number, index: number, width?: number): Uint8Array | undefined;

  /**
   * The entry bundle `index` of `width` (default 256), tlog-tiles encoding, or
   * undefined unless all its entries are integrated (the public view of the log
   * is the integrated tree; sequenced-only entries are read with readEntries).
   */
  readEntryBundle(index: number, width?: number): Uint8Array | undefined;

  /** The stored checkpoint of the largest size, or undefined before the first. */
  latestCheckpoint(): string | undefined;

  /** Stored checkpoints with size >= fromSize, ascending, at most `limit` (default 1,000). */
  checkpoints(fromSize?: number, limit?: number): StoredCheckpoint[];

  /**
   * Optional (absent where the backend cannot tell, e.g. SQLite): calls `listener`
   * soon after a checkpoint is stored by any writer, in any process on any host,
   * so a follower need not wait for its next poll. Notifications MAY be missed or
   * repeated: a follower MUST keep polling. `note`, when given, claims to be the
   * stored checkpoint's signed note; it is unauthenticated (PostgreSQL lets any
   * connected role notify), so a follower MUST verify it as it verifies a stored
   * note and MUST NOT count a bad one against the log. `entries`, when given, claim to be
   * the entries since the checkpoint before it: a follower MAY use them instead of reading
   * the store only once they are proven into that note, and MUST NOT count bad ones against
   * the log either. `lost`, when given, is called when notifications stop (a dropped
   * connection); a call of `listener` without a note says they flow again (it is also made
   * once on starting: anything stored meanwhile). Returns the function that stops it.
   */
  watchCheckpoints?(listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void): () => void;

  /** Release the backend's resources; no method may be called afterwards. */
  close(): void;
}

export interface LogStorage extends LogStorageReader {
  /**
   * Sequence `entries` (each 0..65,535 bytes) at the next free indexes, durably.
   * MUST read the next index and insert in one serialised transaction, so that
   * concurrent writers (other processes included) get disjoint, gap-free ranges.
   * MUST NOT return before the batch is durable. An empty batch is a no-op.
   */
  appendBatch(entries: readonly Uint8Array[]): { first: number; count: number };

  /**
   * Store `tiles` and the new tree state atomically, if and only if the stored
   * tree size is still `fromSize` (compare-and-swap: two integrators, in two
   * processes, can race; the loser gets `false` and MUST reload the tree).
   * MUST reject (INTEGRATION_CONFLICT) a tile that is not an extension of the
   * stored one, a tree larger than size(), or a tree that shrinks.
   * With `step.checkpoint`: stores that checkpoint of `tree.size` too, atomically with the
   * tree and only with it (a lost compare-and-swap stores neither), unless a checkpoint of
   * that size or larger is stored already, and is then as durable as addCheckpoint.
   */
  integrate(step: Integration): boolean;

  /**
   * Record a signed checkpoint of `size` (<= integratedSize(), else BAD_CHECKPOINT).
   * Returns false (and stores nothing) if a checkpoint of the same or a larger
   * size is already stored: the latest checkpoint never goes backwards.
   */
  addCheckpoint(size: number, note: string): boolean;
}

/** A function that opens a backend for a data directory (used by the conformance suite). */
export type LogStorageFactory = (dir: string) => LogStorage;

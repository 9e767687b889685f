// The write side of a log: sequencer (group commit) → storage → integrator
// (tiles) → checkpointer (signed notes), as DESIGN.md's flow describes.
// append() resolves once the entry is durable; integration and signing follow
// in the background — after a commit that fills a step, on a poll (which also
// picks up other processes' appends), at a fixed checkpoint interval, and
// sooner when awaitIntegrated() callers wait. Writes run on a writer thread (appender-writer.ts); hashing
// and signing run here in bounded steps (maxStepEntries), so appends and
// reads interleave with them.

import { encodeEntry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import { inclusionProof } from '../ledger/merkle.js';
import type { Signer } from '../ledger/note.js';
import { checkEntries } from '../storage/args.js';
import type { LogStorage, StoredCheckpoint, TreeState } from '../storage/log-storage.js';
import { SqliteLogStorage, type SqliteStorageOptions } from '../storage/sqlite/sqlite-storage.js';
import { SCHEMA_VERSION } from '../storage/sqlite/schema.js';
import { TileCache } from '../storage/tile-cache.js';
import { readLogConfig, readLogSigner } from './appender-files.js';
import { storeUrl } from '../storage/open-storage.js';
import { PostgresLogStore } from '../storage/postgres/postgres-store.js';
import { PostgresLogStorage } from '../storage/postgres/postgres-sync.js';
import { IntegrationLease } from '../storage/postgres/integration-lease.js';
import { backgroundThreadWriter, inlineWriter, logWriter, type StorageWriter, type WriterOpStats } from './appender-writer.js';
import { adaptiveWriter } from './adaptive-writer.js';
import { Checkpointer } from './checkpointer.js';
import { Integrator, type IntegratorOptions, type IntegratorReader, type IntegratorStats } from './integrator.js';
import { asyncReader, type LogReader } from '../storage/log-reader.js';
import { Sequencer, type SequencerOptions, type SequencerStats } from './sequencer.js';

export interface AppenderOptions extends SequencerOptions, IntegratorOptions {
  /** A backend to use instead of `<dir>/log.db` (it is not closed by close()). */
  storage?: LogStorage;
  /** With `storage`: where writes go (default: through `storage`, inline), e.g. a fault-injecting store. */
  writer?: StorageWriter;
  /** A postgres:// store instead of `<dir>/log.db` (default $ILOG_STORE; see storage/open-storage.ts). */
  store?: string;
  /**
   * Run SQLite writes on a worker thread once it has started (default true; injected backends write inline);
   * 'auto': append commits on the calling thread while they are quick, on the worker thread while they are slow (adaptive-writer.ts).
   */
  writerThread?: boolean | 'auto';
  /** Options for `<dir>/log.db` (ignored with `storage`). */
  sqlite?: SqliteStorageOptions;
  /**
   * Open a `log.db` whose schema is older than this ilog's (default false:
   * STORAGE_MIGRATION_REQUIRED). Only the governance commands that approve the
   * migration, and the checkpoint they sign, write to one.
   */
  olderSchema?: boolean;
  /** Sign a checkpoint of new entries at least this often (ms, default 1,000). */
  checkpointIntervalMs?: number;
  /** When awaitIntegrated() callers wait, sign at most this often (ms, default 200). */
  minCheckpointGapMs?: number;
  /** How often to look for entries appended by other processes (ms, default 100). */
  pollIntervalMs?: number;
  /** Hash tiles kept for proofs (default 4,096, about 64 MiB). */
  proofCacheTiles?: number;
}

/** Entries per integration step on a PostgreSQL store (default; see Appender.open). */
const PG_STEP_ENTRIES = 32_768;

export interface Integrated {
  /** A signed checkpoint whose tree contains the entry. */
  checkpoint: string;
  /** Its tree size. */
  size: number;
  /** RFC 9162 inclusion proof of the entry in that tree. */
  proof: Uint8Array[];
}

export interface AppenderStats extends SequencerStats {
  /** Where writes run now: 'thread' once the writer thread is up. */
  writer: 'inline' | 'thread';
  integrationSteps: number;
  integrationConflicts: number;
  /** Integrator counters and time per phase (integrator.ts). */
  integration: IntegratorStats;
  checkpointsSigned: number;
  integratedSize: number;
  checkpointSize: number;
  /** Writer thread: count, execution time and call-to-answer time per kind of write (ms). */
  writerOps?: WriterOpStats;
}

/** The reads the appender's background work makes: the asynchronous store's where there is one (PostgreSQL). */
type AppenderReader = IntegratorReader & Pick<LogReader, 'latestCheckpoint'>;

interface Waiter {
  index: number;
  resolve: (r: Integrated) => void;
  reject: (e: unknown) => void;
}

export class Appender {
  readonly storage: LogStorage;
  readonly origin: string;
  readonly #ownsStorage: boolean;
  readonly #writer: StorageWriter;
  readonly #sequencer: Sequencer;
  readonly #integrator: Integrator;
  readonly #checkpointer: Checkpointer;
  readonly #tiles: TileCache;
  readonly #minGapMs: number;
  #waiters: Waiter[] = [];
  /** The running integration (background steps or a catch-up): steps must not overlap. */
  #integration: Promise<void> | undefined;
  /** A commit landed while integration was running: look again when it ends. */
  #moreToIntegrate = false;
  #signing: Promise<void> | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #lastCheckpointAt = 0;
  #integratedSize: number;
  /** End of the last batch this appender committed: indexes below it exist without asking storage (a round trip on PostgreSQL). */
  #committedEnd = 0;
  #closed = false;
  /** The last background failure (storage error), kept for stats and retried on the next poll. */
  lastError: unknown;

  /** How integration reads: the asynchronous store where there is one (PostgreSQL), else `storage`. */
  readonly #reader: AppenderReader;
  #polling = false;

  /** PostgreSQL: who integrates in the background among the writers of the store. */
  readonly #lease: IntegrationLease | undefined;

  private constructor(origin: string, storage: LogStorage, ownsStorage: boolean, writer: StorageWriter, signer: Signer, opts: AppenderOptions, pg?: { reader: AppenderReader; lease: IntegrationLease }) {
    this.origin = origin;
    this.storage = storage;
    this.#ownsStorage = ownsStorage;
    this.#writer = writer;
    this.#lease = pg?.lease;
    const reader = pg?.reader;
    this.#reader = reader ?? asyncReader(storage);
    this.#integrator = new Integrator(storage, writer, opts, { reader: this.#reader, ...(pg ? { lease: pg.lease } : {}) });
    this.#sequencer = new Sequencer((entries) => writer.appendBatch(entries), opts, (first, entries) => {
      this.#integrator.offer(first, entries);
      this.#committedEnd = Math.max(this.#committedEnd, first + entries.length);
      // Integration writes share the writer thread with append commits, in order: one sent
      // after every small commit sat in front of the next append commit and doubled its
      // latency (bench:proxy). So integrate right away only for a full step or for
      // awaitIntegrated() callers; otherwise the poll timer (pollIntervalMs) integrates
      // whatever accumulated, in one step. Either way a turn later: the next batch goes to
      // the writer first and hashing overlaps its commit (bench:log: 84.5k and 63.9k
      // appends/s against 57.1k and 52.0k when hashed first).
      if (this.#waiters.length > 0 || first + entries.length - this.#integratedSize >= this.#integrator.maxStepEntries) {
        setImmediate(() => this.#kickIntegration());
      }
    });
    this.#checkpointer = new Checkpointer(storage, writer, signer, origin, this.#reader);
    this.#tiles = new TileCache((l, i, w) => this.storage.readTile(l, i, w), opts.proofCacheTiles);
    this.#minGapMs = opts.minCheckpointGapMs ?? 200;
    this.#integratedSize = this.storage.integratedSize();
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref(); // background work must not keep a CLI process alive
      this.#timers.push(t);
    };
    every(opts.checkpointIntervalMs ?? 1000, () => void this.#sign(false).catch((e: unknown) => (this.lastError = e)));
    every(opts.pollIntervalMs ?? 100, () => this.#poll());
    this.#kickIntegration(); // entries left unintegrated by an earlier run or another process
  }

  /** Open the log in `dir` (created by initLog). */
  static async open(dir: string, opts: AppenderOptions = {}): Promise<Appender> {
    const config = readLogConfig(dir);
    const signer = readLogSigner(dir);
    if (opts.storage !== undefined) return new Appender(config.origin, opts.storage, false, opts.writer ?? inlineWriter(opts.storage), signer, opts);
    const url = storeUrl(opts);
    if (url !== undefined) {
      // Reads (replay, proofs) block on the synchronous bridge; writes and integration's reads
      // go through the asynchronous store so that a round trip never holds the event loop.
      const storage = PostgresLogStorage.open(url);
      try {
        const store = await PostgresLogStore.open(url);
        await store.warm(); // a pooled connection opened mid-lock cost 40-50 ms (postgres-store.ts)
        // Larger steps than SQLite's: a step costs ~6 round trips, each waiting for a turn of the
        // event loop (p99 138 ms with 4 writers at load 8), so 8,192 entries a step capped
        // integration near 30,000/s; hashing 32,768 holds the thread ~35 ms.
        const pgOpts = { ...opts, maxStepEntries: opts.maxStepEntries ?? PG_STEP_ENTRIES };
        return new Appender(config.origin, storage, true, logWriter(store), signer, pgOpts, { reader: store, lease: new IntegrationLease(url) });
      } catch (e) {
        storage.close();
        throw e;
      }
    }
    const storage = SqliteLogStorage.open(dir, opts.sqlite);
    if (storage.schemaVersion < SCHEMA_VERSION && !opts.olderSchema) {
      storage.close();
      throw migrationRequired(storage.schemaVersion);
    }
    const writer =
      opts.writerThread === 'auto' ? adaptiveWriter(storage, dir, opts.sqlite) : opts.writerThread !== false ? backgroundThreadWriter(storage, dir, opts.sqlite) : inlineWriter(storage);
    return new Appender(config.origin, storage, true, writer, signer, opts);
  }

  /** Append one entry (an object, validated and canonicalised; or already-encoded bytes). Resolves with its index once durable. */
  async append(entry: object | Uint8Array): Promise<number> {
    return this.#sequencer.enqueue([this.#encode(entry)]);
  }

  /**
   * Append an entry nobody waits on (the proxy's outcome entries): it rides with the next
   * append's commit, or commits on its own after `deferMs` (default 50). Resolves once durable.
   */
  async appendDeferred(entry: object | Uint8Array): Promise<number> {
    return this.#sequencer.enqueue([this.#encode(entry)], false);
  }

  /** Append entries at consecutive indexes, in one commit; all or none are accepted. */
  async appendMany(entries: readonly (object | Uint8Array)[]): Promise<number[]> {
    const encoded = entries.map((e) => this.#encode(e));
    if (encoded.length === 0) return [];
    const first = await this.#sequencer.enqueue(encoded);
    return encoded.map((_, i) => first + i);
  }

  #encode(entry: object | Uint8Array): Uint8Array {
    if (!(entry instanceof Uint8Array)) return encodeEntry(entry);
    checkEntries([entry]); // size-check now: a bad entry must not fail the whole batch it would join
    return entry;
  }

  /** Resolves with a signed checkpoint containing entry `index` and the inclusion proof. */
  awaitIntegrated(index: number): Promise<Integrated> {
    if (this.#closed) return Promise.reject(new IlogError('CLOSED', 'the log is closed; reopen it'));
    if (!Number.isSafeInteger(index) || index < 0 || (index >= this.#committedEnd && index >= this.storage.size())) {
      return Promise.reject(new IlogError('INDEX_OUT_OF_RANGE', 'no entry has this index yet; append it first', { index }));
    }
    const latest = this.#checkpointer.latest();
    if (latest && latest.size > index) return this.#tiles.withTiles(() => this.#integrated(index, latest), (l, i, w) => this.#reader.readTile(l, i, w));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ index, resolve, reject });
      this.#kickIntegration();
    });
  }

  /** Integrate everything appended so far and sign a checkpoint now; returns the latest signed note. */
  async checkpoint(): Promise<string> {
    while (this.#integration) await this.#integration;
    // The step that catches up signs its tree and stores the checkpoint with it (one durable commit).
    const catchUp = this.#integrator.catchUp((tree) => this.#checkpointer.sign(tree)).then((tree) => ((this.#integratedSize = tree.size), tree));
    const done = (): void => {
      this.#integration = undefined;
      if (this.#moreToIntegrate) this.#kickIntegration();
    };
    this.#integration = catchUp.then(done, done);
    const tree = await catchUp;
    if (tree.checkpoint !== undefined) await this.#signed({ size: tree.size, note: tree.checkpoint });
    else await this.#sign(true, tree); // the tree just stored: no second read before signing
    return (this.#checkpointer.latest() as StoredCheckpoint).note;
  }

  stats(): AppenderStats {
    const i = this.#integrator.stats;
    return {
      ...this.#sequencer.stats,
      writer: 'mode' in this.#writer ? (this.#writer as { mode: 'inline' | 'thread' }).mode : 'inline',
      integrationSteps: i.steps,
      integrationConflicts: i.conflicts,
      integration: i,
      checkpointsSigned: this.#checkpointer.signed,
      integratedSize: this.#integratedSize,
      checkpointSize: this.#checkpointer.latest()?.size ?? 0,
      ...('ops' in this.#writer ? { writerOps: structuredClone((this.#writer as { ops: WriterOpStats }).ops) } : {}),
    };
  }

  /** Commit what is queued, integrate and sign it (best effort), then release everything. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#sequencer.close();
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#checkpointTimer);
    try {
      await this.checkpoint();
    } catch {
      // Entries are durable; the next process that opens the log integrates them.
    }
    const closed = new IlogError('CLOSED', 'the log was closed before this entry was integrated; reopen it and wait again');
    for (const w of this.#waiters.splice(0)) w.reject(closed);
    await this.#lease?.close();
    await this.#writer.close();
    if (this.#ownsStorage) this.storage.close();
  }

  // Integration runs in steps, one per event-loop turn, until caught up.
  #kickIntegration(): void {
    if (this.#closed) return;
    if (this.#integration) {
      this.#moreToIntegrate = true;
      return;
    }
    this.#moreToIntegrate = false;
    this.#integration = new Promise((r) => setImmediate(r)).then(() => this.#integrateSteps());
  }

  /** Never rejects: failures are kept in lastError and retried by the poll timer. */
  async #integrateSteps(): Promise<void> {
    try {
      // Up to what is sequenced now, not a moving target: chasing every new commit would put
      // an integration write between every two append commits again.
      const target = await this.#reader.size();
      for (;;) {
        const before = this.#integratedSize;
        const tree = await this.#integrator.step(true);
        this.#integratedSize = tree.size;
        this.lastError = undefined;
        // No progress: caught up, or another integrator is at work (the poll looks again).
        if (this.#closed || tree.size >= target || tree.size <= before) break;
        await new Promise((r) => setImmediate(r)); // let appends and reads in between steps
      }
    } catch (e) {
      this.lastError = e;
      this.#moreToIntegrate = false;
    } finally {
      this.#integration = undefined;
    }
    if (this.#moreToIntegrate) this.#kickIntegration();
    else if (this.#waiters.length > 0) this.#scheduleCheckpoint();
  }

  #poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    this.#reader.size().then(
      (size) => {
        if (size > this.#integratedSize) this.#kickIntegration();
        else if (this.#waiters.length > 0) this.#scheduleCheckpoint();
      },
      (e: unknown) => (this.lastError = e),
    ).finally(() => (this.#polling = false));
  }

  /** Sign soon for waiting callers, but not more often than minCheckpointGapMs. */
  #scheduleCheckpoint(): void {
    if (this.#checkpointTimer !== undefined || this.#closed) return;
    const wait = Math.max(0, this.#lastCheckpointAt + this.#minGapMs - performance.now());
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      void this.#sign(false).catch((e: unknown) => (this.lastError = e));
    }, wait);
  }

  /** Sign (one signing at a time) and hand the result to waiting callers; `tree`: the stored tree, when the caller has just read it. */
  async #sign(evenEmpty: boolean, tree?: TreeState): Promise<void> {
    while (this.#signing) await this.#signing;
    const run = (async () => {
      const cp = await this.#checkpointer.checkpoint(evenEmpty, tree);
      this.#lastCheckpointAt = performance.now();
      if (cp) await this.#settleWaiters(cp);
    })();
    this.#signing = run.then(() => {}, () => {}).finally(() => (this.#signing = undefined));
    await run;
  }

  /** A checkpoint this process signed was stored with its integration: as #sign's. */
  async #signed(cp: StoredCheckpoint): Promise<void> {
    this.#checkpointer.stored(cp);
    this.#lastCheckpointAt = performance.now();
    await this.#settleWaiters(cp);
  }

  async #settleWaiters(cp: StoredCheckpoint): Promise<void> {
    const settled = this.#waiters.filter((w) => w.index < cp.size);
    if (settled.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.index >= cp.size);
    // The proofs' tiles are read first, asynchronously: through the PostgreSQL bridge each
    // missing tile held the event loop for a round trip (10 % of a 4-writer run's main thread).
    const attempt = (w: Waiter): { ok: Integrated } | { error: unknown } => {
      try {
        return { ok: this.#integrated(w.index, cp) };
      } catch (error) {
        return { error };
      }
    };
    let proofs: ({ ok: Integrated } | { error: unknown })[];
    try {
      proofs = await this.#tiles.withTiles(() => settled.map(attempt), (l, i, w) => this.#reader.readTile(l, i, w));
    } catch (error) {
      proofs = settled.map(() => ({ error }));
    }
    settled.forEach((w, i) => {
      const p = proofs[i]!;
      if ('ok' in p) w.resolve(p.ok);
      else w.reject(p.error);
    });
  }

  #integrated(index: number, cp: StoredCheckpoint): Integrated {
    return { checkpoint: cp.note, size: cp.size, proof: inclusionProof(index, cp.size, this.#tiles.nodeReader(cp.size)) };
  }
}

/** The error of a process that will not run on a `log.db` older than its code: what the admins do next. */
export function migrationRequired(version: number): IlogError {
  return new IlogError(
    'STORAGE_MIGRATION_REQUIRED',
    `log.db has schema version ${version}; this ilog runs on version ${SCHEMA_VERSION}. The migration runs only under a quorum-approved proposal: ` +
      `ilog propose storage.migrate sqlite ${version} ${SCHEMA_VERSION} --key <admin key>, the approvals it needs, then ilog migrate`,
    { version, target: SCHEMA_VERSION },
  );
}

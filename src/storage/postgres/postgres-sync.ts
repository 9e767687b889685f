// The PostgreSQL store behind the synchronous LogStorage contract, for the
// callers that still read synchronously (policy replay, the read API, proofs).
// A worker thread (postgres-sync-worker.ts) owns a PostgresLogStore; each call
// posts a request and blocks this thread on Atomics.wait until the worker
// answers (receiveMessageOnPort takes the answer synchronously). A call thus
// costs one PostgreSQL round trip with the event loop held — fine for the short
// reads LogStorage promises, and why the appender writes through the
// asynchronous store instead (Appender.open), never through this bridge.
// Each request carries a sequence number that its answer repeats: a caller takes
// only its own answer. Without it, a caller woken by the worker's notify for the
// previous answer (the worker preempted between setting the flag and notifying,
// while this thread took that answer and posted the next request) found nothing,
// and from then on every call returned the answer to the call before it (seen at
// load 12: a proxy read a tile as entries and sealed itself, ENTRY_MISSING).
// Moving readers to LogReader (log-reader.ts) retires this file.

import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { asErrorCode, IlogError } from '../../ledger/errors.js';
import type { Integration, LogStorage, NotifiedEntries, StoredCheckpoint, TreeState } from '../log-storage.js';
import { startWorker } from '../worker-thread.js';
import { parseStoreUrl, redact } from './postgres-store.js';
import { listenCheckpoints } from './checkpoint-channel.js';

/** How long one call may block before the store counts as unreachable (ms). */
const CALL_TIMEOUT_MS = 30_000;
/** The same for `open`, which also waits for the worker thread to start: loading its modules (compiling them, from source) took over 30 s at load 65. */
const OPEN_TIMEOUT_MS = 120_000;

export type SyncRequest = { op: keyof LogStorage | 'open'; args: unknown[]; seq: number };
export type SyncResponse = ({ result: unknown } | { error: { code?: string; message: string; evidence?: Record<string, unknown> } }) & { seq: number };

export class PostgresLogStorage implements LogStorage {
  readonly where: string;
  readonly #url: string;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #callTimeoutMs: number;
  #seq = 0;
  #closed = false;

  private constructor(url: string, callTimeoutMs: number) {
    this.where = redact(url);
    this.#url = url;
    this.#callTimeoutMs = callTimeoutMs;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = startWorker(import.meta.url, 'postgres-sync-worker', { url, port: port2, flag: this.#flag }, [port2]);
    this.#worker.unref();
  }

  /** Connect (creating the schema if needed); throws like PostgresLogStore.open. `callTimeoutMs`: how long one call may block (default 30 s). */
  static open(url: string, o: { callTimeoutMs?: number } = {}): PostgresLogStorage {
    const s = new PostgresLogStorage(url, o.callTimeoutMs ?? CALL_TIMEOUT_MS);
    try {
      s.#call('open', []);
    } catch (e) {
      void s.#worker.terminate();
      throw e;
    }
    return s;
  }

  #call<T>(op: SyncRequest['op'], args: unknown[]): T {
    if (this.#closed) throw new IlogError('CLOSED', 'the PostgreSQL store is closed; reopen the log');
    const seq = ++this.#seq;
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage({ op, args, seq } satisfies SyncRequest);
    const timeout = op === 'open' ? OPEN_TIMEOUT_MS : this.#callTimeoutMs;
    const deadline = performance.now() + timeout;
    // The worker posts an answer, then sets the flag and notifies: clear the flag, take what
    // arrived (answers to calls that gave up waiting are dropped), and wait only if ours is not there.
    for (;;) {
      const msg = receiveMessageOnPort(this.#port)?.message as SyncResponse | undefined;
      if (msg?.seq === seq) {
        if (!('error' in msg)) return msg.result as T;
        const e = msg.error;
        throw e.code ? new IlogError(asErrorCode(e.code, 'STORAGE_ERROR'), e.message, e.evidence) : new IlogError('STORAGE_ERROR', e.message, { store: this.where });
      }
      if (msg !== undefined) continue;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.#flag, 0, 0, left) === 'timed-out') {
        throw new IlogError('STORAGE_UNAVAILABLE', `the PostgreSQL store did not answer ${op} within ${timeout / 1000} s; check it is up`, { store: this.where, op });
      }
      Atomics.store(this.#flag, 0, 0);
    }
  }

  appendBatch(entries: readonly Uint8Array[]): { first: number; count: number } {
    return this.#call('appendBatch', [entries]);
  }

  size(): number {
    return this.#call('size', []);
  }

  readEntries(from: number, to: number, limit?: number): Uint8Array[] {
    return this.#call('readEntries', [from, to, limit]);
  }

  treeState(): TreeState {
    return this.#call('treeState', []);
  }

  integratedSize(): number {
    return this.treeState().size;
  }

  integrate(step: Integration): boolean {
    return this.#call('integrate', [step]);
  }

  readTile(level: number, index: number, width?: number): Uint8Array | undefined {
    return this.#call('readTile', [level, index, width]);
  }

  readEntryBundle(index: number, width?: number): Uint8Array | undefined {
    return this.#call('readEntryBundle', [index, width]);
  }

  addCheckpoint(size: number, note: string): boolean {
    return this.#call('addCheckpoint', [size, note]);
  }

  latestCheckpoint(): string | undefined {
    return this.#call('latestCheckpoint', []);
  }

  checkpoints(fromSize?: number, limit?: number): StoredCheckpoint[] {
    return this.#call('checkpoints', [fromSize, limit]);
  }

  /** On a connection of its own (LISTEN), not through the worker: notifications arrive on this thread's event loop. */
  watchCheckpoints(listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void): () => void {
    const { connectionString, schema } = parseStoreUrl(this.#url);
    return listenCheckpoints(connectionString, schema, listener, lost);
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#call('close', []);
    } finally {
      this.#closed = true;
      this.#port.close();
      void this.#worker.terminate();
    }
  }
}

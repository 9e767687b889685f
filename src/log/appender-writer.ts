// Where the appender's writes run. better-sqlite3 is synchronous: a durable
// COMMIT blocks its thread for the whole fsync (0.5 ms on an idle SSD, 15 ms
// and more on a busy one). On the main thread that stalls everything — the
// next batch cannot even be queued, hashing cannot proceed. So the SQLite
// backend's writes (append batches, integration steps, checkpoints) run on one
// worker thread with its own connection, in the order they were sent, while
// the main thread keeps accepting appends (the next batch grows meanwhile:
// group commit proper), hashes tiles and serves reads from its connection.
// Injected backends get the inline writer (same thread, same semantics).

import type { Worker } from 'node:worker_threads';
import { asErrorCode, IlogError } from '../ledger/errors.js';
import type { LogWriter } from '../storage/log-reader.js';
import type { Integration, LogStorage } from '../storage/log-storage.js';
import type { SqliteStorageOptions } from '../storage/sqlite/sqlite-storage.js';
import { startWorker } from '../storage/worker-thread.js';

/** The mutating half of LogStorage, asynchronous. Calls take effect in the order made. */
export interface StorageWriter {
  /** LogStorage.appendBatch; resolves with the first index. */
  appendBatch(entries: Uint8Array[]): Promise<number>;
  integrate(step: Integration): Promise<boolean>;
  addCheckpoint(size: number, note: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Per kind of write: how many, time spent executing them, and time from call to answer (ms). */
export type WriterOpStats = Record<'append' | 'integrate' | 'checkpoint', { n: number; execMs: number; totalMs: number }>;

const newOpStats = (): WriterOpStats => ({ append: { n: 0, execMs: 0, totalMs: 0 }, integrate: { n: 0, execMs: 0, totalMs: 0 }, checkpoint: { n: 0, execMs: 0, totalMs: 0 } });

/** Writes on the calling thread, through `storage` itself. */
export function inlineWriter(storage: LogStorage): StorageWriter {
  return {
    appendBatch: async (entries) => storage.appendBatch(entries).first,
    integrate: async (step) => storage.integrate(step),
    addCheckpoint: async (size, note) => storage.addCheckpoint(size, note),
    close: async () => {},
  };
}

/** Writes through an asynchronous store (PostgreSQL, a fault-injecting store); close() closes it. */
export function logWriter(store: LogWriter & { close(): Promise<void> }): StorageWriter {
  return {
    appendBatch: async (entries) => (await store.appendBatch(entries)).first,
    integrate: (step) => store.integrate(step),
    addCheckpoint: (size, note) => store.addCheckpoint(size, note),
    close: () => store.close(),
  };
}

/** Messages to the writer thread (appender-writer-thread.ts). */
export type WriterRequest =
  | { id: number; op: 'open' }
  | { id: number; op: 'append'; data: ArrayBuffer; lengths: Uint32Array }
  | { id: number; op: 'integrate'; step: Integration }
  | { id: number; op: 'checkpoint'; size: number; note: string }
  | { id: number; op: 'close' };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export type WriterResponse = { id: number; result: unknown; ms?: number } | { id: number; error: { code?: string; message: string; evidence?: Record<string, unknown> } };

/** The writer thread, from appender-writer-thread.ts (or .js from dist/). */
function startThread(workerData: unknown): Worker {
  return startWorker(import.meta.url, 'appender-writer-thread', workerData);
}

export interface ThreadWriter extends StorageWriter {
  /** What the thread's time went to. */
  readonly ops: WriterOpStats;
  /** Resolves once the thread's connection is open (calls made before then wait in its queue). */
  readonly ready: Promise<void>;
}

/** Writes on a worker thread with its own connection to `<dir>/log.db`. */
export function threadWriter(dir: string, storageOptions: SqliteStorageOptions = {}): ThreadWriter {
  const worker = startThread({ dir, storageOptions });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; op: string; at: number }>();
  const ops = newOpStats();
  let nextId = 0;
  let failure: unknown;
  const failAll = (e: unknown): void => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (msg: WriterResponse) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    const o = ops[p.op as keyof WriterOpStats];
    if (o && 'ms' in msg) (o.n++, (o.execMs += msg.ms ?? 0), (o.totalMs += performance.now() - p.at));
    if (pending.size === 0) worker.unref(); // an idle writer must not keep the process alive
    if ('error' in msg) p.reject(msg.error.code ? new IlogError(asErrorCode(msg.error.code, 'STORAGE_ERROR'), msg.error.message, msg.error.evidence) : new Error(msg.error.message));
    else p.resolve(msg.result);
  });
  worker.on('error', (e) => failAll(new IlogError('STORAGE_ERROR', `the storage writer thread failed: ${e.message}`, {}, { cause: e })));
  worker.on('exit', () => failAll(new IlogError('CLOSED', 'the storage writer thread has stopped; reopen the log')));

  const call = <T>(req: WithoutId<WriterRequest>, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (failure !== undefined) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op: req.op, at: performance.now() });
      worker.ref(); // a write in flight keeps the process alive until it is durable
      worker.postMessage({ ...req, id }, transfer);
    });
  };
  const ready = call<void>({ op: 'open' });
  ready.catch(() => {}); // surfaced through every later call
  return {
    ready,
    ops,
    appendBatch(entries) {
      // One transferable buffer per batch instead of one structured clone per entry.
      const n = entries.length;
      const lengths = new Uint32Array(n);
      let total = 0;
      for (let i = 0; i < n; i++) total += lengths[i] = entries[i]!.byteLength;
      // Entries that lie back to back in one buffer (a POST /v1/access batch is encoded
      // into one) are copied as one run, not with a set() per entry.
      const data = new Uint8Array(total);
      let off = 0;
      for (let i = 0; i < n; ) {
        const first = entries[i++]!;
        const start = first.byteOffset;
        let end = start + first.byteLength;
        for (; i < n && entries[i]!.buffer === first.buffer && entries[i]!.byteOffset === end; i++) end += entries[i]!.byteLength;
        data.set(end - start === first.byteLength ? first : new Uint8Array(first.buffer, start, end - start), off);
        off += end - start;
      }
      return call<number>({ op: 'append', data: data.buffer, lengths }, [data.buffer, lengths.buffer as ArrayBuffer]);
    },
    integrate: (step) => call<boolean>({ op: 'integrate', step }),
    addCheckpoint: (size, note) => call<boolean>({ op: 'checkpoint', size, note }),
    async close() {
      // Never terminate a thread that is still starting: on Node 20, terminate()
      // during start-up can leave its promise unresolved with no handle keeping the
      // process alive, so the process exited 0 in the middle of a failed start and
      // its error was never printed (issue #12). Opening one SQLite file is quick.
      await ready.catch(() => {});
      if (failure === undefined) await call({ op: 'close' });
      await worker.terminate();
    },
  };
}

/**
 * Writes inline (through `storage`) until the writer thread is up, then on the
 * thread; stays inline if the thread cannot start. Short-lived processes (a CLI
 * command) thus never wait for a thread. The switch cannot reorder writes:
 * an inline write is complete before its call returns.
 */
export function backgroundThreadWriter(storage: LogStorage, dir: string, storageOptions: SqliteStorageOptions = {}): StorageWriter & { readonly mode: 'inline' | 'thread'; readonly ops: WriterOpStats } {
  const inline = inlineWriter(storage);
  const thread = threadWriter(dir, storageOptions);
  let current: StorageWriter = inline;
  thread.ready.then(() => (current = thread), () => {});
  return {
    get mode() {
      return current === inline ? 'inline' : 'thread';
    },
    ops: thread.ops,
    appendBatch: (entries) => current.appendBatch(entries),
    integrate: (step) => current.integrate(step),
    addCheckpoint: (size, note) => current.addCheckpoint(size, note),
    close: () => thread.close(),
  };
}

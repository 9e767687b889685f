// The storage writer thread (see appender-writer.ts): one SQLite connection
// that performs the appender's writes, one message at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { IlogError } from '../ledger/errors.js';
import { SqliteLogStorage, type SqliteStorageOptions } from '../storage/sqlite/sqlite-storage.js';
import type { WriterRequest, WriterResponse } from './appender-writer.js';

const { dir, storageOptions } = workerData as { dir: string; storageOptions: SqliteStorageOptions };
const port = parentPort;
if (!port) throw new Error('appender-writer-thread.ts runs as a worker thread');
let storage: SqliteLogStorage | undefined;

function unpack(data: ArrayBuffer, lengths: Uint32Array): Uint8Array[] {
  const out: Uint8Array[] = new Array(lengths.length);
  let off = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i] as number;
    out[i] = new Uint8Array(data, off, n);
    off += n;
  }
  return out;
}

function handle(req: WriterRequest): unknown {
  if (req.op === 'open') return void (storage ??= SqliteLogStorage.open(dir, storageOptions));
  if (!storage) throw new IlogError('CLOSED', 'the storage writer is not open');
  switch (req.op) {
    case 'append':
      return storage.appendBatch(unpack(req.data, req.lengths)).first;
    case 'integrate':
      return storage.integrate(req.step);
    case 'checkpoint':
      return storage.addCheckpoint(req.size, req.note);
    case 'close':
      storage.close();
      storage = undefined;
      return undefined;
  }
}

port.on('message', (req: WriterRequest) => {
  let res: WriterResponse;
  const started = performance.now();
  try {
    res = { id: req.id, result: handle(req), ms: performance.now() - started };
  } catch (e) {
    res = e instanceof IlogError
      ? { id: req.id, error: { code: e.code, message: e.message, ...(e.evidence ? { evidence: { ...e.evidence } } : {}) } }
      : { id: req.id, error: { message: e instanceof Error ? e.message : String(e) } };
  }
  try {
    port.postMessage(res);
  } catch {
    // Evidence that cannot be cloned must not lose the answer.
    port.postMessage({ id: req.id, error: { message: 'error' in res ? res.error.message : 'unserialisable result' } });
  }
});

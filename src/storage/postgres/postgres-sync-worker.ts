// The worker behind PostgresLogStorage (postgres-sync.ts): one PostgresLogStore,
// one request at a time (its caller is blocked until the answer), answer posted
// on the port with the request's sequence number, then the caller woken through
// the shared flag.
import { workerData, type MessagePort } from 'node:worker_threads';
import { IlogError } from '../../ledger/errors.js';
import type { SyncRequest, SyncResponse } from './postgres-sync.js';
import { PostgresLogStore } from './postgres-store.js';

const { url, port, flag } = workerData as { url: string; port: MessagePort; flag: Int32Array };
let store: PostgresLogStore | undefined;

async function handle(req: SyncRequest): Promise<unknown> {
  if (req.op === 'open') return void (store ??= await PostgresLogStore.open(url, { poolSize: 1 }));
  if (!store) throw new IlogError('CLOSED', 'the PostgreSQL store is not open');
  if (req.op === 'close') return store.close();
  if (req.op === 'integratedSize') return (await store.treeState()).size;
  const fn = store[req.op] as (...args: unknown[]) => Promise<unknown>;
  return fn.apply(store, req.args);
}

port.on('message', (req: SyncRequest) => {
  void handle(req).then(
    (result): SyncResponse => ({ result, seq: req.seq }),
    (e: unknown): SyncResponse => ({
      error: e instanceof IlogError ? { code: e.code, message: e.message, ...(e.evidence ? { evidence: { ...e.evidence } } : {}) } : { message: e instanceof Error ? e.message : String(e) },
      seq: req.seq,
    }),
  ).then((res) => {
    try {
      port.postMessage(res);
    } catch {
      port.postMessage({ error: { message: 'error' in res ? res.error.message : 'unserialisable result' }, seq: req.seq } satisfies SyncResponse);
    }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});

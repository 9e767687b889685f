// Runs verify tasks on worker threads (one per core by default), or inline.
// Starting a worker costs seconds when it must compile TypeScript (tsx), so
// until the first worker reports ready the pool runs tasks on this thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { IlogError } from '../ledger/errors.js';
import { checkLeafTiles, type LeafResult, type LeafTask } from './verify-leaves.js';
import { openSource, type SourceSpec } from './verify-source.js';

export interface TaskRunner {
  readonly parallelism: number;
  run(task: LeafTask): Promise<LeafResult>;
  close(): Promise<void>;
}

/** Runs tasks on this thread (small logs: no worker start-up cost). */
export function inlineRunner(spec: SourceSpec): TaskRunner {
  const source = openSource(spec);
  return { parallelism: 1, run: (task) => checkLeafTiles(source, task), close: async () => source.close() };
}

/**
 * Starts verify-worker. From compiled JS that is a plain Worker. From TypeScript
 * source (`node --import tsx`, tests) Node 20 does not apply `--import tsx` to a
 * worker's entry module, so a tiny eval'd bootstrap loads it through tsx's API.
 */
function startWorker(spec: SourceSpec): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: { spec } });
  const entry = new URL('./verify-worker.ts', import.meta.url).href;
  const bootstrap = "const { workerData: d } = require('node:worker_threads'); import(d.tsx).then((m) => m.tsImport(d.entry, d.entry));";
  return new Worker(bootstrap, { eval: true, workerData: { spec, entry, tsx: import.meta.resolve('tsx/esm/api') } });
}

interface Pending {
  resolve: (r: LeafResult) => void;
  reject: (e: unknown) => void;
}

/** A pool of `size` workers; tasks go to the ready worker with the fewest outstanding, or inline before any is ready. */
export function workerRunner(spec: SourceSpec, size = Math.min(2, availableParallelism()), opts: { inlineUntilReady?: boolean } = {}): TaskRunner {
  const inlineUntilReady = opts.inlineUntilReady ?? true;
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failed: unknown;
  let inline: TaskRunner | undefined;
  const workers = Array.from({ length: size }, () => {
    const w = startWorker(spec);
    const load = { worker: w, outstanding: 0, ready: false };
    w.on('message', (msg: { id: number; result?: LeafResult; crash?: string } | 'ready') => {
      if (msg === 'ready') {
        load.ready = true;
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      load.outstanding--;
      if (msg.result) p.resolve(msg.result);
      else p.reject(new IlogError('INTERNAL', `verify worker failed: ${msg.crash ?? 'unknown error'}`));
    });
    w.on('error', (err) => {
      failed = err;
      for (const p of pending.values()) p.reject(new IlogError('INTERNAL', `verify worker crashed: ${err.message}`));
      pending.clear();
    });
    return load;
  });
  return {
    parallelism: size,
    run(task) {
      if (failed) return Promise.reject(new IlogError('INTERNAL', `verify worker crashed: ${String(failed)}`));
      const ready = workers.filter((w) => w.ready);
      if (ready.length === 0 && inlineUntilReady) {
        // Yield to the event loop first, or chained inline tasks would starve the workers' 'ready' messages.
        return new Promise<void>((r) => setImmediate(r)).then(() => (inline ??= inlineRunner(spec)).run(task));
      }
      const load = (ready.length > 0 ? ready : workers).reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      const id = nextId++;
      load.outstanding++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        load.worker.postMessage({ id, task });
      });
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
      await inline?.close();
    },
  };
}

// Worker-thread entry for `ilog verify`: opens its own view of the source (its
// own read-only SQLite connection, or HTTP client) and runs checkLeafTiles for
// each task it is sent, transferring the result buffers back.
import { parentPort, workerData } from 'node:worker_threads';
import { checkLeafTiles, type LeafTask } from './verify-leaves.js';
import { openSource, type SourceSpec } from './verify-source.js';

const port = parentPort;
if (!port) throw new Error('verify-worker.ts must run in a worker thread');
const source = openSource((workerData as { spec: SourceSpec }).spec);
port.postMessage('ready'); // the pool sends work here only from now on

port.on('message', (msg: { id: number; task: LeafTask } | 'close') => {
  if (msg === 'close') {
    source.close();
    port.close();
    return;
  }
  checkLeafTiles(source, msg.task).then(
    (result) => port.postMessage({ id: msg.id, result }, [result.roots.buffer as ArrayBuffer, ...result.kept.map(([, h]) => h.buffer as ArrayBuffer)]),
    (err: unknown) => port.postMessage({ id: msg.id, crash: String((err as Error)?.stack ?? err) }),
  );
});

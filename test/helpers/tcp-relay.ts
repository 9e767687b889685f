// A TCP relay in front of a server, for tests of what a client does when the
// network misbehaves: it forwards bytes both ways, can hold the server's bytes
// back for `delayMs` (a slow answer), and can freeze (forward nothing either
// way while every socket stays open: a cut-off network, as far as the client
// can tell, since the relay's kernel still acknowledges its packets). It runs in
// a worker thread, so it keeps relaying while the test stalls its own event loop.
import { Worker } from 'node:worker_threads';

export interface TcpRelay {
  /** The relay's loopback port. */
  port: number;
  /** Hold every chunk from the server this long before passing it on. */
  setDelay(ms: number): Promise<void>;
  /** Stop forwarding in both directions, sockets left open. */
  freeze(): Promise<void>;
  close(): Promise<void>;
}

const RELAY = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
let delayMs = 0;
let frozen = false;
const sockets = new Set();
const server = net.createServer((client) => {
  const upstream = net.connect(workerData.port, workerData.host);
  for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => { client.destroy(); upstream.destroy(); }); }
  client.on('data', (d) => { if (!frozen) upstream.write(d); });
  upstream.on('data', (d) => {
    if (frozen) return;
    if (delayMs === 0) client.write(d);
    else setTimeout(() => { if (!frozen) client.write(d); }, delayMs);
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m.delayMs !== undefined) delayMs = m.delayMs;
  if (m.freeze) frozen = true;
  if (m.close) { server.close(); for (const s of sockets) s.destroy(); }
  parentPort.postMessage({ done: true });
});
`;

export async function startTcpRelay(host: string, port: number): Promise<TcpRelay> {
  const w = new Worker(RELAY, { eval: true, workerData: { host, port } });
  const next = (): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const relayPort = (await next()).port as number;
  const send = async (m: object): Promise<void> => {
    const done = next();
    w.postMessage(m);
    await done;
  };
  return {
    port: relayPort,
    setDelay: (ms) => send({ delayMs: ms }),
    freeze: () => send({ freeze: true }),
    async close() {
      await send({ close: true });
      await w.terminate();
    },
  };
}

// The HTTP client of bench:detect's ingest run, in its own process (forked by
// bench/detect.ts) so that the server's CPU per access is measured alone:
// builds --batch-sized JSON arrays of generated accesses, waits for "go", then
// keeps --in-flight POST /v1/access requests going over keep-alive
// connections (node:http) and reports its wall time and its own CPU.
import { Agent, request } from 'node:http';

const [url, token, totalArg, batchArg, inFlightArg] = process.argv.slice(2) as [string, string, string, string, string];
const total = Number(totalArg);
const batch = Number(batchArg);
const inFlight = Number(inFlightArg);
const send = (m: unknown): void => void process.send!(m);

const access = (i: number) => ({ actor: `agent${i % 500}`, action: 'view', resource: { type: 'customer', id: `c-${i % 50_000}` }, purpose: `ticket ${i % 997}`, role: 'agent', client: { address: `10.0.${i % 200}.1` } });
const bodies: Buffer[] = [];
for (let i = 0; i < total; i += batch) bodies.push(Buffer.from(JSON.stringify(Array.from({ length: Math.min(batch, total - i) }, (_, k) => access(i + k)))));

const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
const target = new URL('/v1/access', url);
function post(body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.byteLength, authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`POST /v1/access answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

process.on('message', async () => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) await post(bodies[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const cpu = process.cpuUsage(c0);
  send({ ms: performance.now() - t0, cpuUs: cpu.user + cpu.system });
  agent.destroy();
  process.disconnect();
});
send('ready');

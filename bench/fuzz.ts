// The protocol fuzzer as a long run (issue #12): the generator of
// test/capture/fuzz.test.ts (test/capture/fuzz-gen.ts) against a real proxy in
// front of PostgreSQL 15, for --inputs N generated inputs (default 1,000,000)
// over --conns parallel logged-in connections, plus random start-up packets
// before login. Half the inputs are mutated, as in the test. A JSON line every
// 10,000 inputs (rate, RSS, sessions); at the end: crashes (an uncaught error
// or unhandled rejection in the proxy's process ends the run with it), canary
// rows PostgreSQL holds, and how many of them have no access entry (must be 0).
// Usage: npm run fuzz -- [--inputs 1000000] [--minutes M] [--conns 16] [--seed 20261127]
import { hmacValue } from '../src/capture/pg/entries.js';
import { startProxy, waitFor } from '../test/capture/fixture.js';
import { junkStartup as junkBytes, mutate, prng, validBatch } from '../test/capture/fuzz-gen.js';
import { openSocket, rawLogin } from '../test/capture/raw-client.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const INPUTS = arg('inputs', 1_000_000);
const CONNS = arg('conns', 16);
// A time budget: generation stops when it runs out, and the end checks still run.
const DEADLINE = Date.now() + arg('minutes', 24 * 60) * 60_000;
const more = (): boolean => next < INPUTS && Date.now() < DEADLINE;
const r = prng(arg('seed', 20261127));
const emit = (o: object): void => console.log(JSON.stringify({ bench: 'fuzz', ...o }));
const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

let crashes = 0;
process.on('uncaughtException', (e) => {
  crashes++;
  emit({ crash: String(e?.stack ?? e) });
});
process.on('unhandledRejection', (e) => {
  crashes++;
  emit({ crash: String((e as Error)?.stack ?? e) });
});

const cluster = await startPgCluster({ pgaudit: false });
cluster.psql('CREATE TABLE canary (n bigint)');
const fx = await startProxy(cluster, { maxMessage: 1 << 20 });
await fx.addUser('fuzz', 'postgres', 'fuzz-pw');

let sent = 0;
let mutated = 0;
let logins = 0;
let preLogin = 0;
let next = 0;
const started = Date.now();
const rssStart = rssMb();
let rssMax = rssStart;

/** Random bytes as a start-up packet, sometimes with a plausible length. */
async function junkStartup(): Promise<void> {
  const s = await openSocket(fx.port);
  s.on('error', () => {});
  s.end(junkBytes(r));
  s.destroy();
  preLogin++;
}

async function worker(): Promise<void> {
  while (more()) {
    if (r() < 0.05) await junkStartup();
    const conn = await rawLogin(fx.port, 'fuzz', 'fuzz-pw', '-c ilog.purpose=fuzz');
    logins++;
    for (let j = 0; j < 32 && !conn.isClosed() && more(); j++) {
      const n = ++next;
      const batch = validBatch(n, r);
      const bad = r() < 0.5;
      conn.socket.write(bad ? mutate(batch, r) : batch);
      sent++;
      if (bad) mutated++;
      // Wait for an answer (ReadyForQuery) or the close; a truncated message gets none.
      const seen = conn.received.length;
      for (let k = 0; k < 20 && !conn.isClosed() && !conn.received.slice(seen).some((f) => f.type === 'Z'); k++) await new Promise((res) => setTimeout(res, 1));
      if (sent % 10_000 === 0) {
        rssMax = Math.max(rssMax, rssMb());
        emit({ inputs: sent, mutated, logins, pre_login: preLogin, per_s: Math.round(sent / ((Date.now() - started) / 1000)), rss_mb: rssMb(), sessions: fx.proxy.sessions, crashes });
      }
    }
    conn.socket.end();
    await Promise.race([conn.closed, new Promise((res) => setTimeout(res, 1000))]);
    conn.socket.destroy();
  }
}

try {
  await Promise.all(Array.from({ length: CONNS }, () => worker()));
  await waitFor(() => fx.proxy.sessions === 0, 200, 50);
  // Every canary row that reached PostgreSQL has an access entry carrying its value's HMAC.
  const rows = cluster.psql('SELECT n FROM canary').split('\n').filter(Boolean);
  const logged = new Set<string>();
  const size = fx.log.storage.size();
  for (let from = 0; from < size; ) {
    const batch = fx.log.storage.readEntries(from, size);
    for (const b of batch) {
      const e = JSON.parse(Buffer.from(b).toString('utf8')) as { kind: string; action?: string; statement?: { values?: string[] } };
      if (e.kind === 'access') for (const v of e.statement?.values ?? []) logged.add(v);
    }
    from += batch.length;
  }
  const unlogged = rows.filter((v) => !logged.has(hmacValue(fx.hmacKey, v))).length;
  emit({ phase: 'end', inputs: sent, mutated, logins, pre_login: preLogin, seconds: Math.round((Date.now() - started) / 1000), crashes, canary_rows: rows.length, rows_without_entry: unlogged, log_entries: size, rss_start_mb: rssStart, rss_max_mb: Math.max(rssMax, rssMb()), rss_end_mb: rssMb() });
  if (crashes > 0 || unlogged > 0 || rows.length === 0) process.exitCode = 1;
} finally {
  await fx.close();
  await cluster.stop();
}

// The protocol fuzzer as a long run (issue #12): the generator of
// test/capture/fuzz.test.ts (test/capture/fuzz-gen.ts) against the production
// binary, `ilog proxy` (dist/, its own process, its log writer thread) in front
// of PostgreSQL 15, for --inputs N generated inputs (default 1,000,000) over
// --conns parallel logged-in connections, plus random start-up packets before
// login. Half the inputs are mutated, as in the test. A JSON line every 10,000
// inputs (rate, the proxy's RSS and open files, logins); at the end: whether the
// proxy crashed (it exited, or wrote an uncaught error), canary rows PostgreSQL
// holds, and how many of them have no access entry (must be 0).
// Usage: npm run build && npm run fuzz -- [--inputs 1000000] [--minutes M] [--conns 32] [--seed 20261127]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hmacValue, loadHmacKey } from '../src/capture/pg/entries.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { canaryRows, junkStartup as junkBytes, mutate, prng, validBatch } from '../test/capture/fuzz-gen.js';
import { openSocket, rawLogin } from '../test/capture/raw-client.js';
import { freePort, startPgCluster } from '../test/helpers/pg-cluster.js';
import { Daemon, ilog, requireBuild } from './ilog-process.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const INPUTS = arg('inputs', 1_000_000);
const CONNS = arg('conns', 32);
// A time budget: generation stops when it runs out, and the end checks still run.
const DEADLINE = Date.now() + arg('minutes', 24 * 60) * 60_000;
const r = prng(arg('seed', 20261127));
const emit = (o: object): void => console.log(JSON.stringify({ bench: 'fuzz', ...o }));

requireBuild();
// Every statement PostgreSQL ran is in its log, kept with the data directory of a failed run.
const cluster = await startPgCluster({ pgaudit: false, conf: [`log_statement = 'all'`, `log_line_prefix = '%u %p '`] });
cluster.psql(`CREATE TABLE canary (n text); CREATE ROLE fuzz LOGIN PASSWORD 'fuzz-upstream'; GRANT ALL ON canary TO fuzz`);
const dir = mkdtempSync(join(tmpdir(), 'ilog-fuzz-'));
await ilog(dir, ['init', '--origin', 'fuzz.example/log']);
await ilog(dir, ['user', 'add', 'fuzzer', '--upstream-role', 'fuzz', '--password-stdin'], 'fuzz-password\n');
const port = await freePort();
const proxy = new Daemon('proxy', dir, ['proxy', '--upstream', `postgres://fuzz:fuzz-upstream@127.0.0.1:${cluster.port}/postgres`, '--listen', `127.0.0.1:${port}`]);

let sent = 0;
let mutated = 0;
let logins = 0;
let preLogin = 0;
let next = 0;
let rssMax = 0;
const more = (): boolean => next < INPUTS && Date.now() < DEADLINE && !proxy.exited();

/** Random bytes as a start-up packet, sometimes with a plausible length. */
async function junkStartup(): Promise<void> {
  const s = await openSocket(port);
  s.on('error', () => {});
  s.end(junkBytes(r));
  s.destroy();
  preLogin++;
}

async function worker(): Promise<void> {
  while (more()) {
    if (r() < 0.05) await junkStartup();
    const conn = await rawLogin(port, 'fuzzer', 'fuzz-password', '-c ilog.purpose=fuzz');
    logins++;
    for (let j = 0; j < 32 && !conn.isClosed() && more(); j++) {
      const batch = validBatch(++next, r);
      const bad = r() < 0.5;
      const from = conn.received.length;
      conn.socket.write(bad ? mutate(batch, r) : batch);
      sent++;
      if (bad) mutated++;
      // Wait for an answer (ReadyForQuery) or the close; a truncated message gets none.
      await conn.readyAfter(from, 20);
      if (sent % 10_000 === 0) {
        const s = proxy.stats();
        rssMax = Math.max(rssMax, s.rss_mb);
        emit({ inputs: sent, mutated, logins, pre_login: preLogin, per_s: Math.round(sent / ((Date.now() - started) / 1000)), proxy_rss_mb: s.rss_mb, proxy_fds: s.fds });
      }
    }
    conn.socket.end();
    await Promise.race([conn.closed, new Promise((res) => setTimeout(res, 1000))]);
    conn.socket.destroy();
  }
}

await proxy.start();
const started = Date.now();
const rssStart = proxy.stats().rss_mb;
try {
  await Promise.all(Array.from({ length: CONNS }, () => worker().catch((e: unknown) => emit({ worker_error: String(e) }))));
  const crashed = proxy.exited() || /uncaught|unhandled/i.test(proxy.stderr);
  const rssEnd = proxy.stats().rss_mb;
  const exit = await proxy.stop();
  // Every canary row that reached PostgreSQL has an access entry carrying its value's HMAC.
  const rows = canaryRows((sql) => cluster.psql(sql));
  const key = loadHmacKey(dir);
  const logged = new Set<string>();
  const storage = SqliteLogStorage.open(dir);
  const size = storage.size();
  for (let from = 0; from < size; ) {
    const batch = storage.readEntries(from, size);
    for (const b of batch) {
      const e = JSON.parse(Buffer.from(b).toString('utf8')) as { kind: string; statement?: { values?: string[] } };
      if (e.kind === 'access') for (const v of e.statement?.values ?? []) logged.add(v);
    }
    from += batch.length;
  }
  storage.close();
  const missing = rows.filter((v) => !logged.has(hmacValue(key, v)));
  const unlogged = missing.length;
  emit({ phase: 'end', inputs: sent, mutated, logins, pre_login: preLogin, seconds: Math.round((Date.now() - started) / 1000), crashed, proxy_exit: exit, canary_rows: rows.length, rows_without_entry: unlogged, log_entries: size, proxy_rss_start_mb: rssStart, proxy_rss_max_mb: Math.max(rssMax, rssEnd), proxy_rss_end_mb: rssEnd, ...(crashed ? { proxy_stderr: proxy.stderr } : {}), ...(unlogged > 0 ? { rows_without_entry_values: missing.slice(0, 50), kept: dir } : {}) });
  if (crashed || exit !== 0 || unlogged > 0 || rows.length === 0) process.exitCode = 1;
  // The evidence stays for a failed run: the log and the PostgreSQL statement log.
  if (unlogged === 0) rmSync(dir, { recursive: true, force: true });
  else copyFileSync(join(cluster.socketDir, 'postgres.log'), join(dir, 'postgres.log'));
} catch (e) {
  // The end check itself failed (run 3 of a 1M-input fuzz lost its result to a psql output limit):
  // say so as a JSON line and keep the evidence, the canary table included, before the cluster goes.
  process.exitCode = 1;
  try {
    copyFileSync(join(cluster.socketDir, 'postgres.log'), join(dir, 'postgres.log'));
    cluster.psql(`COPY canary TO '${join(cluster.socketDir, 'canary.copy')}'`);
    copyFileSync(join(cluster.socketDir, 'canary.copy'), join(dir, 'canary.copy'));
  } catch {
    /* the error below is what matters */
  }
  emit({ phase: 'end', error: String(e).slice(0, 2000), kept: dir });
} finally {
  if (!proxy.exited()) proxy.kill9();
  await cluster.stop();
}

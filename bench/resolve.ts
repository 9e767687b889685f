// Benchmark: what deciding purpose on resolved names costs. One node-postgres
// client runs the same catalog read sequentially (a) directly against
// PostgreSQL 15 (the anchor), (b) through the proxy with a purpose stated (no
// question asked: the cost every data statement pays) and (c) through the proxy
// without a purpose (the proxy first asks the backend and logs that question: two
// durable appends and one extra round trip). Prints one JSON line per case with
// p50/p99 latency and the ratio to the anchor, measured in the same run.
// Usage: npm run bench:resolve [-- --n 300]
import pg from 'pg';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { startProxy } from '../test/capture/fixture.js';

const nIdx = process.argv.indexOf('--n');
const N = nIdx > 0 ? Number(process.argv[nIdx + 1]) : 300;
const SQL = 'SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1';

async function timeIt(config: pg.ClientConfig, sql: string): Promise<{ p50: number; p99: number }> {
  const c = new pg.Client(config);
  await c.connect();
  const lat: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await c.query(sql.replace('$1', `'pg_class'`));
    lat.push(performance.now() - t);
  }
  await c.end();
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(N / 2)]!, p99: lat[Math.min(N - 1, Math.floor(N * 0.99))]! };
}

const cluster = await startPgCluster();
const fx = await startProxy(cluster);
try {
  await fx.addUser('bench', 'postgres', 'bench-pw');
  const direct = await timeIt({ connectionString: cluster.url }, SQL);
  const cases: [string, pg.ClientConfig][] = [
    ['proxy, purpose stated (no question)', fx.client('bench', 'bench-pw', { options: '-c ilog.purpose=BENCH-1' })],
    ['proxy, no purpose (question asked and logged)', fx.client('bench', 'bench-pw')],
  ];
  console.log(JSON.stringify({ bench: 'resolve', case: 'direct (anchor)', n: N, p50Ms: +direct.p50.toFixed(3), p99Ms: +direct.p99.toFixed(3) }));
  for (const [name, config] of cases) {
    const r = await timeIt(config, SQL);
    console.log(JSON.stringify({ bench: 'resolve', case: name, n: N, p50Ms: +r.p50.toFixed(3), p99Ms: +r.p99.toFixed(3), p50VsDirect: +(r.p50 / direct.p50).toFixed(2) }));
  }
} finally {
  await fx.close();
  await cluster.stop();
}

// Failover on a PostgreSQL store (docs/storage.md "One sequencer at a time"): two
// `ilog serve` (the built CLI) on one store, kill -9 of the lease holder, time
// until the standby serves (prints its URL). Rounds alternate the roles.
// ILOG_BENCH_CPU_PROF=<dir> writes each serve's CPU profile (bench/ilog-process.ts).
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, ilog, requireBuild } from './ilog-process.js';
import type { PgCluster } from '../test/helpers/pg-cluster.js';

async function add(url: string, token: string, n: number): Promise<void> {
  const body = Array.from({ length: n }, (_, i) => JSON.stringify({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:bench', person: `p${i}`, action: 'view' })).join('\n');
  const res = await fetch(`${url}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
  if (res.status !== 200) throw new Error(`POST /add answered ${res.status}: ${await res.text()}`);
}

/** kill -9 → standby serving, `rounds` times; returns each round's milliseconds. */
export async function failover(cluster: PgCluster, tmp: string, rounds: number): Promise<number[]> {
  requireBuild();
  const store = `${cluster.url}?schema=failover`;
  const saved = process.env.ILOG_STORE;
  process.env.ILOG_STORE = store; // the children inherit it
  try {
    const a = join(tmp, 'failover-a');
    await ilog(a, ['init', '--origin', 'bench.example/failover']);
    const b = join(tmp, 'failover-b');
    cpSync(a, b, { recursive: true }); // the second host: same keys and config, same store
    const token = readFileSync(join(a, 'token'), 'utf8').trim();
    const serve = (dir: string): Daemon => new Daemon('serve', dir, ['serve', '--listen', '127.0.0.1:0']);
    const standingBy = (): number => Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ilog standby'"));
    let holder = serve(a);
    await holder.start();
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const next = serve(r % 2 === 0 ? b : a);
      const started = next.start();
      for (let i = 0; i < 600 && standingBy() === 0; i++) await new Promise((res) => setTimeout(res, 50));
      await add(holder.url!, token, 100);
      holder.kill9();
      const t = performance.now();
      await started;
      times.push(Math.round(performance.now() - t));
      holder = next;
    }
    await holder.stop();
    return times;
  } finally {
    if (saved === undefined) delete process.env.ILOG_STORE;
    else process.env.ILOG_STORE = saved;
  }
}

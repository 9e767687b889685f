// Several ilog processes on one PostgreSQL store (docs/storage.md): two `ilog
// serve` with one sequencer lease between them — kill -9 of the holder and the
// standby takes over, no index is given twice, the log verifies — and four
// appenders (as four proxies would) appending at once.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeHandle } from '../helpers/cli.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';

const skip = skipWithoutPg();
let cluster: PgCluster;
let tmp: string;
beforeAll(async () => {
  if (skip) return;
  cluster = await startPgCluster({ pgaudit: false });
  tmp = mkdtempSync(join(tmpdir(), 'ilog-pgserve-'));
}, 600_000); // cluster start: minutes at load 60-80
afterAll(async () => {
  await cluster?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function add(url: string, token: string, lines: object[]): Promise<number[]> {
  const res = await fetch(`${url}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') });
  const body = (await res.json()) as { indexes?: number[] };
  if (res.status !== 200 || !body.indexes) throw new Error(`POST /add answered ${res.status}: ${JSON.stringify(body)}`);
  return body.indexes;
}

const note = (i: number, who = 'serve'): object => ({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:test', person: `${who}-${i}`, action: 'view' });

describe.skipIf(skip)('one PostgreSQL store, several ilog processes', () => {
  it('two serves: one sequences, kill -9 hands over to the other, no index twice, the log verifies', async () => {
    const store = `${cluster.url}?schema=failover`;
    const a = join(tmp, 'a');
    const env = { ILOG_STORE: store };
    const init = await runCli(['init', '--origin', 'failover.example/log', '--json'], { dir: a, env, timeoutMs: 600_000 });
    expect(init.code, init.stderr).toBe(0);
    const b = join(tmp, 'b');
    cpSync(a, b, { recursive: true }); // the second host: same config and keys, same store
    const token = readFileSync(join(a, 'token'), 'utf8').trim();

    const first = await startServe({ dir: a, env });
    let second: ServeHandle | undefined;
    try {
      const standby = startServe({ dir: b, env, timeoutMs: 120_000 });
      const given: number[] = [];
      for (let i = 0; i < 5; i++) given.push(...(await add(first.url, token, [note(i), note(i + 100)])));
      const standingBy = (): number => Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ilog standby'"));
      for (let i = 0; i < 600 && standingBy() === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(standingBy()).toBe(1);
      expect(Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ilog sequencer'"))).toBe(1);
      process.kill(first.pid, 'SIGKILL');
      const killedAt = performance.now();
      second = await standby;
      const failoverMs = performance.now() - killedAt;
      expect(second.output().stderr).toMatch(/standing by/);
      for (let i = 5; i < 10; i++) given.push(...(await add(second.url, token, [note(i)])));
      expect(new Set(given).size).toBe(given.length);
      const verify = await runCli(['verify', '--url', second.url, '--vkey', join(a, 'log.vkey'), '--json'], { dir: b });
      expect(verify.code, verify.stderr).toBe(0);
      await second.stop();
      const fromStore = await runCli(['verify', '--json'], { dir: b, env });
      expect(fromStore.code, fromStore.stderr).toBe(0);
      cluster.psql('DELETE FROM failover.entries WHERE idx = 3');
      const gap = await runCli(['verify', '--json'], { dir: b, env });
      expect(gap.code).toBe(1);
      expect(gap.stdout + gap.stderr).toMatch(/ENTRY_MISSING/);
      expect(gap.stdout + gap.stderr).toMatch(/entry 3 is missing/);
      const rows = Number(cluster.psql('SELECT count(*) FROM failover.entries')) + 1; // the one deleted above
      const next = Number(cluster.psql('SELECT next FROM failover.head'));
      expect(rows).toBe(next); // gap-free before the deletion
      expect(Number(cluster.psql('SELECT count(DISTINCT idx) FROM failover.entries'))).toBe(rows - 1);
      console.log(JSON.stringify({ failoverMs: Math.round(failoverMs), entries: rows }));
    } finally {
      await second?.stop();
      await first.stop().catch(() => 0);
    }
  }, 240_000);

  it('four appenders at once through one store: every entry lands once, at distinct indexes', async () => {
    const store = `${cluster.url}?schema=four`;
    const dir = join(tmp, 'four');
    const env = { ILOG_STORE: store };
    expect((await runCli(['init', '--origin', 'four.example/log', '--json'], { dir, env, timeoutMs: 600_000 })).code).toBe(0);
    const lines = (w: number): string => Array.from({ length: 50 }, (_, i) => JSON.stringify(note(i, `w${w}`))).join('\n') + '\n';
    const runs = await Promise.all([0, 1, 2, 3].map((w) => runCli(['append', '--json'], { dir, env, input: lines(w), timeoutMs: 120_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const texts = cluster.psql("SELECT convert_from(data, 'UTF8') FROM four.entries ORDER BY idx").split('\n').filter((l) => l.includes('"kind":"access"'));
    expect(texts).toHaveLength(200);
    expect(new Set(texts).size).toBe(200);
    expect(Number(cluster.psql('SELECT count(*) FROM four.entries'))).toBe(Number(cluster.psql('SELECT next FROM four.head')));
  }, 240_000);
});

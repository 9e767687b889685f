// Governance benchmark; prints one JSON line per figure.
//   npm run bench:governance -- [--entries 1000000] [--governance 10000] [--locks 100] [--skip-proxy]
// 1. policy replay: a SQLite log of --entries entries of which --governance are
//    governance entries (signed person.add proposals and their approvals,
//    quorum 2 of 3) and the rest realistic `access` entries; replay from genesis.
// 2. lock → session ended: --locks persons each hold a live session through the
//    real capture proxy (PostgreSQL 15 from test/helpers/pg-cluster.ts); one
//    admin's signed lock is appended and we time until the client sees its
//    session end. Also lock appended → the governed LockState's onLock fired.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadHmacKey } from '../src/capture/pg/entries.js';
import { makeVerifier } from '../src/capture/pg/scram.js';
import { ProxyServer } from '../src/capture/pg/server.js';
import { parseUpstreamUrl } from '../src/capture/pg/upstream.js';
import { buildApproval, buildLock, buildProposal } from '../src/governance/build.js';
import { commitment } from '../src/governance/credential.js';
import { deliverVerifiers } from '../src/governance/actions.js';
import { replayStorage } from '../src/governance/replay.js';
import { startGovernance } from '../src/governance/service.js';
import { loadSigner } from '../src/governance/signing.js';
import { submit } from '../src/governance/target.js';
import { encodeEntry } from '../src/ledger/entry.js';
import { generateKey } from '../src/ledger/note.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { TestLog } from '../test/capture/fixture.js';
import { pgUnavailable, startPgCluster } from '../test/helpers/pg-cluster.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    governance: { type: 'string', default: '10000' },
    locks: { type: 'string', default: '100' },
    'skip-proxy': { type: 'boolean', default: false },
  },
});
const N = Number(args.entries);
const G = Number(args.governance);
const LOCKS = Number(args.locks);
const ORIGIN = 'bench.example/gov';

const print = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const ms = (x: number): number => Math.round(x * 1000) / 1000;
function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => ms(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN);
  return { samples: s.length, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: ms(s[s.length - 1] ?? NaN) };
}

const admins = [1, 2, 3].map((i) => loadSigner(generateKey(`admin${i}`).skey));

function genesis(): object {
  return { v: 1, kind: 'genesis', time: new Date().toISOString(), origin: ORIGIN, logKey: generateKey(ORIGIN).vkey, admins: admins.map((a) => ({ name: a.name, vkey: a.vkey })), quorum: 2 };
}

function access(i: number, time: string): Uint8Array {
  return encodeEntry({
    v: 1,
    kind: 'access',
    time,
    source: 'pg-proxy',
    person: `analyst${i % 50}`,
    session: `s${i >> 6}`,
    role: 'app_ro',
    database: 'company',
    client: { address: '10.0.0.7', application: 'psql' },
    purpose: `TICKET-${i % 997}`,
    action: 'select',
    relations: ['public.patients'],
    statement: { kind: 'select', text: 'SELECT name, diagnosis FROM patients WHERE id = $1', sha256: 'a'.repeat(64), values: ['b'.repeat(64)] },
  });
}

/** Writes genesis, N-1-G access entries and G governance entries (proposal + approval pairs) spread evenly. */
function buildLog(dir: string): void {
  const storage = SqliteLogStorage.open(dir);
  const t0 = Date.now();
  storage.appendBatch([encodeEntry(genesis())]);
  const every = Math.max(2, Math.floor((N - 1) / G) * 2);
  let batch: Uint8Array[] = [];
  let gov = 0;
  for (let i = 1; i < N; i++) {
    const now = t0 + i;
    const time = new Date(now).toISOString();
    if (gov < G && i % every === 0) {
      const person = `p${gov}`;
      const p = buildProposal(
        { origin: ORIGIN, epoch: 0, now, changes: [{ op: 'person.add', person, role: 'app_ro', credential: commitment(`SCRAM-SHA-256$4096:c2FsdA==$${gov}:x`), base: null }] },
        admins[gov % 3]!,
      );
      batch.push(encodeEntry(p), encodeEntry(buildApproval(ORIGIN, p.id, admins[(gov + 1) % 3]!, now)));
      gov += 2;
      i++;
    } else batch.push(access(i, time));
    if (batch.length >= 10_000) {
      storage.appendBatch(batch);
      batch = [];
    }
  }
  if (batch.length) storage.appendBatch(batch);
  storage.close();
}

async function replayBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-gov-'));
  try {
    const t = performance.now();
    buildLog(dir);
    print({ bench: 'governance.build-log', entries: N, governanceEntries: G, seconds: ms((performance.now() - t) / 1000) });
    const storage = SqliteLogStorage.open(dir, { readonly: true });
    const runs: number[] = [];
    let persons = 0;
    for (let r = 0; r < 3; r++) {
      const s = performance.now();
      const p = replayStorage(storage);
      runs.push(performance.now() - s);
      persons = p.persons.size;
    }
    storage.close();
    const best = Math.min(...runs);
    print({ bench: 'governance.replay', entries: N, governanceEntries: G, personsApplied: persons, bestMs: ms(best), runsMs: runs.map(ms), entriesPerSec: Math.round(N / (best / 1000)) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function lockBench(): Promise<void> {
  const why = pgUnavailable();
  if (why) {
    print({ bench: 'governance.lock-latency', skipped: why });
    return;
  }
  const cluster = await startPgCluster();
  const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-lock-'));
  const clients: pg.Client[] = [];
  try {
    const storage = SqliteLogStorage.open(dir);
    storage.appendBatch([encodeEntry(genesis())]);
    storage.close();
    const up = parseUpstreamUrl(cluster.url);
    // Add every person with one quorum-approved proposal each (2 of 3).
    const verifiers: string[] = [];
    const entries: object[] = [];
    for (let i = 0; i < LOCKS; i++) {
      const v = makeVerifier(`pw${i}`);
      verifiers.push(v);
      const p = buildProposal({ origin: ORIGIN, epoch: 0, now: Date.now(), changes: [{ op: 'person.add', person: `u${i}`, role: up.credentials.user, credential: commitment(v), base: null }] }, admins[0]!);
      entries.push(p, buildApproval(ORIGIN, p.id, admins[1]!, Date.now()));
    }
    await submit({ dir }, entries);
    const { GovernanceView } = await import('../src/governance/view.js');
    deliverVerifiers(dir, verifiers, GovernanceView.open(dir).policy);
    const gov = startGovernance(dir, { pollMs: 50 });
    const proxy = new ProxyServer({
      log: new TestLog(dir),
      users: gov.directory,
      locks: gov.locks,
      upstream: up.target,
      credentials: (role) => (role === up.credentials.user ? up.credentials : undefined),
      defaultDatabase: 'postgres',
      hmacKey: loadHmacKey(dir),
      onError: () => {},
    });
    const port = (await proxy.listen(0)).port;
    const ended: number[] = [];
    const stateUpdated: number[] = [];
    for (let i = 0; i < LOCKS; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port, user: `u${i}`, password: `pw${i}`, database: 'postgres', options: '-c ilog.purpose=BENCH' });
      clients.push(c);
      await c.connect();
      await c.query('SELECT 1');
      const person = `u${i}`;
      const t0 = performance.now();
      const seen = new Promise<void>((resolve) => {
        const off = gov.locks.onLock((p) => {
          if (p === person) {
            stateUpdated.push(performance.now() - t0);
            off();
            resolve();
          }
        });
      });
      const gone = new Promise<void>((resolve) => {
        c.on('error', () => resolve());
        c.on('end', () => resolve());
      });
      await submit({ dir }, [buildLock(ORIGIN, person, 'bench', admins[i % 3]!, Date.now())]);
      await Promise.all([seen, gone]);
      ended.push(performance.now() - t0);
    }
    print({ bench: 'governance.lock-to-lockstate', pollMs: 50, ...summary(stateUpdated) });
    print({ bench: 'governance.lock-to-session-ended', pollMs: 50, ...summary(ended) });
    await proxy.close();
    await gov.stop();
  } finally {
    for (const c of clients) await c.end().catch(() => {});
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await replayBench();
if (!args['skip-proxy']) await lockBench();

// A lock reaching every proxy on one PostgreSQL store (docs/storage.md): `proxies`
// `ilog proxy` processes (the built CLI), each with its own copy of the data
// directory (as on separate hosts) and the same --store; per repetition one person
// holds a live session through every proxy, an admin's signed lock is appended
// and signed (what `ilog lock` does), and we time until every proxy has ended
// that person's session.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { makeVerifier } from '../src/capture/pg/scram.js';
import { propose } from '../src/governance/actions.js';
import { findAdminSigner } from '../src/governance/admin-key.js';
import { buildLock } from '../src/governance/build.js';
import { buildChange } from '../src/governance/change-args.js';
import { Appender } from '../src/log/appender.js';
import { readLogConfig } from '../src/log/appender-files.js';
import type { PgCluster } from '../test/helpers/pg-cluster.js';
import { Daemon, ilog, requireBuild } from './ilog-process.js';

export interface LockReach {
  /** Lock appended → every proxy ended the person's session (ms), one per repetition. */
  fromAppend: number[];
  /** The checkpoint over the lock stored → every proxy ended it (ms). */
  fromSigned: number[];
}

/** Waits at most WAIT_MS for one step of a repetition; a step that does not come fails the bench with what it waited for. */
const WAIT_MS = 10_000;
async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`lock-reach: waited ${WAIT_MS} ms for ${what}`)), WAIT_MS)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function lockReach(cluster: PgCluster, tmp: string, proxies: number, locks: number): Promise<LockReach> {
  requireBuild();
  const store = `${cluster.url}?schema=locks`;
  const saved = process.env.ILOG_STORE;
  process.env.ILOG_STORE = store; // the children and the in-process governance calls open the same store
  const daemons: Daemon[] = [];
  const clients: pg.Client[] = [];
  let appender: Appender | undefined;
  try {
    const dir = join(tmp, 'locks-0');
    await ilog(dir, ['init', '--origin', 'bench.example/locks']);
    const admin = findAdminSigner(dir)!;
    const persons = Array.from({ length: locks }, (_, i) => `p${i}`);
    await propose({ dir }, admin, (p) => {
      const made = persons.map((person) => buildChange('person.add', [person], { role: cluster.user, verifier: makeVerifier(`pw-${person}`) }, p));
      return { changes: made.map((m) => m.change), verifiers: made.map((m) => m.verifier!) };
    });
    for (let k = 0; k < proxies; k++) {
      const d = k === 0 ? dir : join(tmp, `locks-${k}`);
      if (k > 0) cpSync(dir, d, { recursive: true }); // another host: its own directory (proxy.db with the verifiers), the same store
      daemons.push(new Daemon(`proxy-${k}`, d, ['proxy', '--upstream', cluster.url, '--listen', '127.0.0.1:0']));
    }
    await Promise.all(daemons.map((d) => d.start()));
    appender = await Appender.open(dir, { store });
    const origin = readLogConfig(dir).origin;
    const out: LockReach = { fromAppend: [], fromSigned: [] };
    for (const person of persons) {
      // Each session's end as a value in a box: an async function that returned the promise
      // itself would hand Promise.all the session's end to wait for, before any lock (the
      // hang of 14:00 UTC, 2026-12-07: every session open, the lock never appended).
      const sessions = await Promise.all(
        daemons.map(async (d) => {
          const u = new URL(d.url!.replace(/^[a-z]+:/, 'http:'));
          const c = new pg.Client({ host: '127.0.0.1', port: Number(u.port), user: person, password: `pw-${person}`, database: 'postgres', options: '-c ilog.purpose=BENCH' });
          clients.push(c);
          await bounded(c.connect().then(() => c.query('SELECT 1')), `${person}'s session through ${d.name}`);
          return { ended: new Promise<number>((resolve) => (c.on('error', () => resolve(performance.now())), c.on('end', () => resolve(performance.now())))) };
        }),
      );
      const t0 = performance.now();
      await bounded(appender.append(buildLock(origin, person, 'bench', admin, Date.now())), `the lock on ${person} appended`);
      await bounded(appender.checkpoint(), `a checkpoint over the lock on ${person}`);
      const signed = performance.now();
      const ends = await Promise.all(sessions.map((s, k) => bounded(s.ended, `${person}'s session ended by proxy-${k}`)));
      const last = Math.max(...ends);
      out.fromAppend.push(last - t0);
      out.fromSigned.push(Math.max(0, last - signed));
    }
    return out;
  } finally {
    for (const c of clients) await c.end().catch(() => {});
    await appender?.close();
    for (const d of daemons) if (d.proc) await d.stop();
    if (saved === undefined) delete process.env.ILOG_STORE;
    else process.env.ILOG_STORE = saved;
  }
}

// Governance following a PostgreSQL store (docs/storage.md "Locks across proxies"):
// a checkpoint stored by another writer wakes the follower through LISTEN/NOTIFY,
// so a lock reaches it without waiting for its poll (here an hour: only the
// notification can deliver it), with the signed note in the notification (the
// follower does not read it back); a forged notification is not trusted and does
// not stop the follower; and startGovernance reads through the storage it is given
// instead of opening another connection.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act } from '../../src/governance/actions.js';
import { startGovernance } from '../../src/governance/service.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { checkpointChannel } from '../../src/storage/postgres/checkpoint-channel.js';
import { PostgresLogStorage } from '../../src/storage/postgres/postgres-sync.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { governedDir, type GovDir } from './fixture.js';

const skip = skipWithoutPg();
let cluster: PgCluster;
let g: GovDir | undefined;
let url: string;
beforeAll(async () => {
  if (skip) return;
  cluster = await startPgCluster({ pgaudit: false });
  url = `${cluster.url}?schema=follow`;
  process.env.ILOG_STORE = url; // initLog, act and submit open the log through storage/open-storage.ts
  g = await governedDir(1, 1);
}, 600_000); // a cluster and a governed log: minutes at load 60-80
afterAll(async () => {
  delete process.env.ILOG_STORE;
  g?.cleanup();
  await cluster?.stop();
});

const sessions = (): number => Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ilog follower'"));

/** `storage` with its reads of the latest checkpoint counted (the real bridge underneath). */
function countingLatest(storage: PostgresLogStorage): { storage: PostgresLogStorage; latest: () => number } {
  let n = 0;
  const counted = new Proxy(storage, {
    get(target, key) {
      if (key === 'latestCheckpoint') return () => (n++, target.latestCheckpoint());
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { storage: counted, latest: () => n };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`waited 30 s for ${what}`);
}

/** Resolves with the first person locked at `gov`, or 'not woken' after 30 s. */
function firstLock(gov: ReturnType<typeof startGovernance>): Promise<string> {
  return Promise.race([new Promise<string>((resolve) => gov.locks.onLock((p) => resolve(p))), new Promise<string>((r) => setTimeout(() => r('not woken'), 30_000))]);
}

describe.skipIf(skip)('governance on a PostgreSQL store', () => {
  it('a lock signed by another process reaches a follower whose poll is an hour away', async () => {
    const storage = PostgresLogStorage.open(url);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    try {
      const locked = new Promise<string>((resolve) => gov.locks.onLock((p) => resolve(p)));
      for (let i = 0; i < 200 && sessions() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(sessions()).toBe(1); // the follower's LISTEN connection
      await act({ dir: g!.dir }, g!.admins[0]!, { kind: 'lock', person: 'bob', reason: 'left' });
      const who = await Promise.race([locked, new Promise((r) => setTimeout(() => r('not woken'), 30_000))]);
      expect(who).toBe('bob');
      expect(gov.locks.isLocked('bob')).toBeDefined();
    } finally {
      await gov.stop();
      storage.close();
    }
    for (let i = 0; i < 200 && sessions() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sessions()).toBe(0); // stop() ends the LISTEN connection
  }, 600_000);

  it('takes the checkpoint from the notification: the lock applies without reading the latest checkpoint back', async () => {
    const bridge = PostgresLogStorage.open(url);
    const { storage, latest } = countingLatest(bridge);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    try {
      const opened = latest();
      await until(() => latest() > opened, 'the look the follower takes once it listens');
      const before = latest();
      const locked = firstLock(gov);
      await act({ dir: g!.dir }, g!.admins[0]!, { kind: 'lock', person: 'carol', reason: 'left' });
      expect(await locked).toBe('carol');
      expect(latest()).toBe(before);
    } finally {
      await gov.stop();
      bridge.close();
    }
  }, 600_000);

  it('a forged notification is not trusted and does not stop the follower', async () => {
    const bridge = PostgresLogStorage.open(url);
    const { storage, latest } = countingLatest(bridge);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    const opened = latest();
    // Any role that can connect may notify on the log's channel.
    const intruder = new pg.Client({ connectionString: cluster.url });
    await intruder.connect();
    try {
      await until(() => latest() > opened, 'the look the follower takes once it listens');
      const size = gov.view.policy.size;
      const genuineOld = bridge.checkpoints(0, 1)[0]!.note;
      const forged = [
        signNote(formatCheckpoint({ origin: g!.origin, size: size + 50, root: randomBytes(32), extensions: [] }), signerFromKey(generateKey(g!.origin).skey)),
        'garbage',
        genuineOld,
      ];
      const before = latest();
      for (const payload of forged) await intruder.query('SELECT pg_notify($1, $2)', [checkpointChannel('follow'), payload]);
      await until(() => latest() >= before + forged.length, 'each forged notification answered by a look at the store');
      expect(gov.view.broken).toBeUndefined();
      expect(gov.view.policy.size).toBe(size);
      expect(gov.locks.isLocked('dave')).toBeUndefined();
      const locked = firstLock(gov);
      await act({ dir: g!.dir }, g!.admins[0]!, { kind: 'lock', person: 'dave', reason: 'left' });
      expect(await locked).toBe('dave');
      expect(gov.view.broken).toBeUndefined();
    } finally {
      await intruder.end();
      await gov.stop();
      bridge.close();
    }
  }, 600_000);
});

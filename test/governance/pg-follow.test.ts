// Governance following a PostgreSQL store (docs/storage.md "Locks across proxies"):
// a checkpoint stored by another writer wakes the follower through LISTEN/NOTIFY,
// so a lock reaches it without waiting for its poll (here an hour: only the
// notification can deliver it), with the signed note and the new entries in the
// notification (the follower reads nothing back); a forged notification, or
// forged entries with a genuine note, are not trusted and do not stop the
// follower; and startGovernance reads through the storage it is given instead of
// opening another connection.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act } from '../../src/governance/actions.js';
import { startGovernance } from '../../src/governance/service.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { checkpointChannel } from '../../src/storage/postgres/checkpoint-channel.js';
import { PostgresLogStorage } from '../../src/storage/postgres/postgres-sync.js';
import { PostgresLogStore } from '../../src/storage/postgres/postgres-store.js';
import { buildLock } from '../../src/governance/build.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { readLogSigner } from '../../src/log/appender-files.js';
import { integrationToAsync } from '../storage/fixtures.js';
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

/** `storage` with its reads of the latest checkpoint, and all its reads, counted (the real bridge underneath). */
function countingLatest(storage: PostgresLogStorage): { storage: PostgresLogStorage; latest: () => number; reads: () => number } {
  let n = 0;
  let reads = 0;
  const counted = new Proxy(storage, {
    get(target, key) {
      if (key === 'latestCheckpoint') return () => (n++, reads++, target.latestCheckpoint());
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== 'function') return v;
      const f = (v as (...a: unknown[]) => unknown).bind(target);
      return key === 'watchCheckpoints' || key === 'close' ? f : (...a: unknown[]) => (reads++, f(...a));
    },
  });
  return { storage: counted, latest: () => n, reads: () => reads };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`waited 30 s for ${what}`);
}

/** Resolves with the first person locked at `gov`, or 'not woken' after 30 s. */
function firstLock(gov: ReturnType<typeof startGovernance>): Promise<string> {
  return Promise.race([new Promise<string>((resolve) => gov.locks.onLock((p) => resolve(p))), new Promise<string>((r) => setTimeout(() => r('not woken'), 30_000))]);
}

/** An admin locks `person` from another process; the follower `gov` must apply that lock first. */
async function lockReaches(gov: ReturnType<typeof startGovernance>, person: string): Promise<void> {
  const locked = firstLock(gov);
  await act({ dir: g!.dir }, g!.admins[0]!, { kind: 'lock', person, reason: 'left' });
  expect(await locked).toBe(person);
}

describe.skipIf(skip)('governance on a PostgreSQL store', () => {
  it('a lock signed by another process reaches a follower whose poll is an hour away', async () => {
    const storage = PostgresLogStorage.open(url);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    try {
      for (let i = 0; i < 200 && sessions() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(sessions()).toBe(1); // the follower's LISTEN connection
      await lockReaches(gov, 'bob');
      expect(gov.locks.isLocked('bob')).toBeDefined();
    } finally {
      await gov.stop();
      storage.close();
    }
    for (let i = 0; i < 200 && sessions() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sessions()).toBe(0); // stop() ends the LISTEN connection
  }, 600_000);

  it('takes the checkpoint and the new entries from the notification: the lock applies without reading anything from the store', async () => {
    const bridge = PostgresLogStorage.open(url);
    const { storage, latest, reads } = countingLatest(bridge);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    try {
      const opened = latest();
      await until(() => latest() > opened, 'the look the follower takes once it listens');
      const before = reads();
      await lockReaches(gov, 'carol');
      expect(reads()).toBe(before); // neither the latest checkpoint nor the entries nor a tile
      expect(latest()).toBeGreaterThan(0);
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
      await lockReaches(gov, 'dave');
      expect(gov.view.broken).toBeUndefined();
    } finally {
      await intruder.end();
      await gov.stop();
      bridge.close();
    }
  }, 600_000);

  it('while notifications flow it polls only as a fallback; once its connection is cut it polls again, and a lock still arrives', async () => {
    const bridge = PostgresLogStorage.open(url);
    const { storage, latest } = countingLatest(bridge);
    // With the governance loop too (as in every proxy): it does not read the log on its own while the view follows.
    const gov = startGovernance(g!.dir, { storage, pollMs: 50, listeningPollMs: 3_600_000, log: () => {}, append: async () => [] });
    try {
      await until(() => sessions() === 1, 'the follower listening');
      // At 50 ms the timer would read the latest checkpoint a dozen times in 600 ms; listening, it does not.
      let quiet = false;
      for (let i = 0; i < 20 && !quiet; i++) {
        const before = latest();
        await new Promise((r) => setTimeout(r, 600));
        quiet = latest() === before;
      }
      expect(quiet).toBe(true);
      const before = latest();
      cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ilog follower'");
      await lockReaches(gov, 'frank');
      expect(latest()).toBeGreaterThan(before);
      expect(gov.view.broken).toBeUndefined();
    } finally {
      await gov.stop();
      bridge.close();
    }
  }, 600_000);

  it('a genuine note with forged entries: the entries are dropped, the store read, and the lock applies', async () => {
    const bridge = PostgresLogStorage.open(url);
    const { storage, reads } = countingLatest(bridge);
    const gov = startGovernance(g!.dir, { storage, pollMs: 3_600_000, log: () => {} });
    const store = await PostgresLogStore.open(url);
    const intruder = new pg.Client({ connectionString: cluster.url });
    await intruder.connect();
    try {
      await until(() => reads() > 0, 'the look the follower takes once it listens');
      // The lock is sequenced and integrated, and its checkpoint signed by the log key but not
      // stored yet: only the (intruder's) notification can bring the follower to it.
      const from = (await store.treeState()).size;
      expect(gov.view.policy.size).toBe(from);
      const lock = encodeEntry(buildLock(g!.origin, 'erin', 'left', g!.admins[0]!, Date.now()));
      await store.appendBatch([lock]);
      const step = await integrationToAsync(store, from + 1);
      expect(await store.integrate(step)).toBe(true);
      const note = signNote(formatCheckpoint({ origin: g!.origin, size: from + 1, root: step.tree.root, extensions: [] }), readLogSigner(g!.dir));
      const forged = Buffer.from(lock);
      forged[forged.indexOf('erin')] = 'o'.charCodeAt(0); // "orin" locked instead
      const before = reads();
      const locked = firstLock(gov);
      await intruder.query('SELECT pg_notify($1, $2)', [checkpointChannel('follow'), `${note}\n+ilog-entries ${from} ${forged.toString('base64')}`]);
      expect(await locked).toBe('erin');
      expect(reads()).toBeGreaterThan(before); // the entry read from the store
      expect(gov.locks.isLocked('orin')).toBeUndefined();
      expect(gov.view.broken).toBeUndefined();
      expect(await store.addCheckpoint(from + 1, note)).toBe(true); // the log as the next test expects it
    } finally {
      await intruder.end();
      await store.close();
      await gov.stop();
      bridge.close();
    }
  }, 600_000);
});

// Governance following a PostgreSQL store (docs/storage.md "Locks across proxies"):
// a checkpoint stored by another writer wakes the follower through LISTEN/NOTIFY,
// so a lock reaches it without waiting for its poll (here an hour: only the
// notification can deliver it); and startGovernance reads through the storage it
// is given instead of opening another connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act } from '../../src/governance/actions.js';
import { startGovernance } from '../../src/governance/service.js';
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
});

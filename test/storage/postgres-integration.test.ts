// Integration with several writers on one PostgreSQL store (issue #14): only the
// holder of the integration lease integrates in the background, every writer's
// awaitIntegrated still gets a signed checkpoint and a proof that verifies, and
// when the holder goes away another writer takes the lease and integrates on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { leafHash, leafHashes } from '../../src/ledger/hash.js';
import { verifyInclusion } from '../../src/ledger/merkle-verify.js';
import { openNote, verifierFromKey } from '../../src/ledger/note.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { readLogVkey } from '../../src/log/appender-files.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { PostgresLogStore } from '../../src/storage/postgres/postgres-store.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';

const skip = skipWithoutPg();
let cluster: PgCluster;
let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ilog-pg-integration-'));
  if (!skip) cluster = await startPgCluster({ pgaudit: false });
}, 600_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const entry = (w: number, i: number): object => ({ v: 1, kind: 'access', time: '2026-12-07T00:00:00.000Z', source: 'app:test', person: `w${w}-${i}`, action: 'view' });

describe.skipIf(skip)('integration with four writers on one PostgreSQL store', () => {
  it('one lease holder integrates, every writer gets verified proofs, and the lease passes on when the holder closes', { timeout: 180_000 }, async () => {
    const store = `${cluster.url}?schema=integration4`;
    const dir = join(tmp, 'log');
    process.env.ILOG_STORE = store;
    try {
      await initLog(dir, { origin: 'test.example/integration' });
    } finally {
      delete process.env.ILOG_STORE;
    }
    const verifier = verifierFromKey(readLogVkey(dir));
    // Only the lease decides here, however loaded the machine (the stall rule: integrator.test.ts).
    const writers = await Promise.all([0, 1, 2, 3].map(() => Appender.open(dir, { store, maxStepEntries: 500, leaseStallMs: 600_000 })));
    const appendAll = async (round: number, live: Appender[]): Promise<number[]> =>
      (await Promise.all(live.map((a, w) => Promise.all(Array.from({ length: 300 }, (_, i) => a.append(entry(w, round * 1000 + i))))))).flat();
    const check = async (live: Appender[], indexes: number[]): Promise<void> => {
      // Every writer waits for some of the entries, its own and others'.
      const proved = await Promise.all(indexes.filter((_, k) => k % 37 === 0).map((index, k) => live[k % live.length]!.awaitIntegrated(index).then((r) => ({ index, ...r }))));
      const all = live[0]!.storage.readEntries(0, live[0]!.storage.size());
      for (const p of proved) {
        const cp = parseCheckpoint(openNote(p.checkpoint, [verifier]).text);
        expect(cp.size).toBe(p.size);
        expect(Buffer.from(cp.root)).toEqual(Buffer.from(MemoryTree.fromEntries(all.slice(0, cp.size)).root()));
        expect(() => verifyInclusion(p.index, p.size, leafHash(all[p.index]!), p.proof, cp.root)).not.toThrow();
      }
    };
    try {
      const first = await appendAll(0, writers);
      expect(new Set(first).size).toBe(1200);
      await check(writers, first);
      const stats = writers.map((a) => a.stats().integration);
      // Background integration is one writer's work: the others yielded and lost no compare-and-swap.
      const integrating = stats.filter((s) => s.steps > 0);
      expect(integrating.length).toBe(1);
      expect(stats.reduce((n, s) => n + s.conflicts, 0)).toBe(0);
      expect(stats.filter((s) => s.steps === 0).every((s) => s.yielded > 0)).toBe(true);

      // The holder closes (its session ends, PostgreSQL frees the lock): another takes over.
      const holder = stats.findIndex((s) => s.steps > 0);
      await writers[holder]!.close();
      const rest = writers.filter((_, w) => w !== holder);
      const before = rest.map((a) => a.stats().integration.steps);
      const second = await appendAll(1, rest);
      await check(rest, second);
      const after = rest.map((a) => a.stats().integration.steps);
      expect(after.filter((n, w) => n > before[w]!).length).toBe(1);
      const size = rest[0]!.storage.size();
      expect(size).toBe(1 + 1200 + 900); // genesis, then every append once: no index twice, no gap
      expect(rest[0]!.storage.integratedSize()).toBe(size);
      // The leaf hashes PostgreSQL computes for integrators are those of the stored entries.
      const pg = await PostgresLogStore.open(store);
      try {
        expect(Buffer.from(await pg.readLeafHashes(7, size))).toEqual(Buffer.from(leafHashes(rest[0]!.storage.readEntries(7, size))));
        expect((await pg.readLeafHashes(size, size + 5)).byteLength).toBe(0);
      } finally {
        await pg.close();
      }
    } finally {
      for (const a of writers) await a.close();
    }
  });
});

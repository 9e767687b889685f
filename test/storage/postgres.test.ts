// The PostgreSQL backend against a real PostgreSQL 15 (test/helpers/pg-cluster.ts):
// the conformance suite (each test's directory maps to a schema of its own), then
// writers racing from several processes' worth of pools.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncLog } from '../../src/storage/log-reader.js';
import type { NotifiedEntries } from '../../src/storage/log-storage.js';
import { PostgresLogStore } from '../../src/storage/postgres/postgres-store.js';
import { PostgresLogStorage } from '../../src/storage/postgres/postgres-sync.js';
import { codeOfAsync } from '../helpers/codes.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { describeLogStorage } from './conformance.js';
import { integrationToAsync, testEntries } from './fixtures.js';

const skip = skipWithoutPg();
let cluster: PgCluster;
beforeAll(async () => {
  if (!skip) cluster = await startPgCluster({ pgaudit: false });
}, 600_000); // cluster start: minutes at load 60-80
afterAll(async () => cluster?.stop());

const schemaOf = (dir: string): string => `t_${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`;
const storeUrl = (schema: string): string => `${cluster.url}?schema=${schema}`;

describe.skipIf(skip)('PostgreSQL store', () => {
  describeLogStorage('postgres', (dir) => PostgresLogStore.open(storeUrl(schemaOf(dir))));
  describeLogStorage('postgres through the synchronous bridge', (dir) => asyncLog(PostgresLogStorage.open(storeUrl(schemaOf(dir)))));

  it('gives four concurrent writers (four pools) disjoint, gap-free ranges', async () => {
    const stores = await Promise.all([0, 1, 2, 3].map(() => PostgresLogStore.open(storeUrl('race4'))));
    const firsts = await Promise.all(stores.map(async (s, w) => {
      const got: number[] = [];
      for (let k = 0; k < 25; k++) {
        const { first, count } = await s.appendBatch(testEntries(w * 1000 + k * 10, 1 + (k % 3)));
        for (let i = 0; i < count; i++) got.push(first + i);
      }
      return got;
    }));
    const all = firsts.flat().sort((a, b) => a - b);
    expect(all).toEqual(all.map((_, i) => i));
    expect(await stores[0]!.size()).toBe(all.length);
    for (const s of stores) await s.close();
  });

  it('wakes watchers on other connections after each stored checkpoint, with its note and the entries since the one before (when they fit), and only on their own log', async () => {
    const writer = await PostgresLogStore.open(storeUrl('watched'));
    const reader = PostgresLogStorage.open(storeUrl('watched')); // the bridge, as governance reads
    const other = await PostgresLogStore.open(storeUrl('watched_other'));
    let seen = 0;
    let otherSeen = 0;
    const notes: (string | undefined)[] = [];
    const carried: (NotifiedEntries | undefined)[] = [];
    const stop = reader.watchCheckpoints((note, entries) => (seen++, notes.push(note), carried.push(entries)));
    const stopOther = other.watchCheckpoints(() => otherSeen++);
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(cond()).toBe(true);
    };
    try {
      await until(() => seen === 1 && otherSeen === 1); // once on connecting: whatever was stored meanwhile
      await writer.appendBatch(testEntries(0, 3));
      expect(await writer.integrate(await integrationToAsync(writer, 3))).toBe(true);
      expect(await writer.addCheckpoint(3, 'note 3')).toBe(true);
      await until(() => seen === 2);
      expect(await writer.addCheckpoint(3, 'note 3 again')).toBe(false); // nothing stored, nobody woken
      await writer.appendBatch(testEntries(3, 2));
      expect(await writer.integrate(await integrationToAsync(writer, 5))).toBe(true);
      expect(await writer.addCheckpoint(5, 'note 5')).toBe(true);
      await until(() => seen === 3);
      expect(otherSeen).toBe(1);
      await writer.appendBatch(testEntries(5, 1));
      expect(await writer.integrate(await integrationToAsync(writer, 6))).toBe(true);
      expect(await writer.addCheckpoint(6, 'x'.repeat(8000))).toBe(true); // past NOTIFY's payload limit: a wake-up only
      await until(() => seen === 4);
      await writer.appendBatch([...testEntries(6, 2), new Uint8Array(0), new Uint8Array(6000)]);
      expect(await writer.integrate(await integrationToAsync(writer, 10))).toBe(true);
      expect(await writer.addCheckpoint(10, 'note 10')).toBe(true); // the entries would not fit: the note alone
      await until(() => seen === 5);
      await writer.appendBatch([new Uint8Array([0, 10, 255]), new Uint8Array(0)]);
      // An integration that stores its checkpoint notifies the same way, at its commit.
      expect(await writer.integrate({ ...(await integrationToAsync(writer, 12)), checkpoint: 'note 12' })).toBe(true);
      await until(() => seen === 6);
      expect(await writer.latestCheckpoint()).toBe('note 12');
      expect(notes).toEqual([undefined, 'note 3', 'note 5', undefined, 'note 10', 'note 12']); // the first: the look once connected
      expect(carried.slice(0, 5)).toEqual([undefined, { from: 0, entries: testEntries(0, 3) }, { from: 3, entries: testEntries(3, 2) }, undefined, undefined].map((c) => c && { from: c.from, entries: c.entries.map((e) => Buffer.from(e)) }));
      expect(carried[5]).toEqual({ from: 10, entries: [Buffer.from([0, 10, 255]), Buffer.alloc(0)] }); // any bytes, the empty entry too
    } finally {
      stop();
      stopOther();
      reader.close();
      await writer.close();
      await other.close();
    }
  });

  it('warm() opens every pooled connection, and they stay open while idle', async () => {
    const store = await PostgresLogStore.open(storeUrl('warm'), { poolSize: 3 });
    try {
      expect(store.connections).toBe(1); // the one that created the schema
      await store.warm();
      expect(store.connections).toBe(3);
      await new Promise((r) => setTimeout(r, 200));
      await Promise.all([store.size(), store.treeState(), store.latestCheckpoint()]);
      expect(store.connections).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('the bridge: a call that gave up waiting leaves its late answer to nobody, later calls get their own', async () => {
    const url = storeUrl('late');
    const writer = await PostgresLogStore.open(url);
    await writer.appendBatch(testEntries(0, 3));
    expect(await writer.integrate(await integrationToAsync(writer, 3))).toBe(true);
    expect(await writer.addCheckpoint(3, 'note 3')).toBe(true);
    const bridge = PostgresLogStorage.open(url, { callTimeoutMs: 300 });
    const holder = new pg.Client({ connectionString: cluster.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT size FROM late.tree WHERE id = 1 FOR UPDATE'); // addCheckpoint waits for this row
      let code: string | undefined;
      try {
        bridge.addCheckpoint(3, 'note 3 again');
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).toBe('STORAGE_UNAVAILABLE');
      await holder.query('ROLLBACK'); // its answer (false) now comes, late
      await new Promise((r) => setTimeout(r, 200));
      expect(bridge.size()).toBe(3);
      expect(bridge.latestCheckpoint()).toBe('note 3');
      expect(bridge.readEntries(0, 3)).toHaveLength(3);
    } finally {
      await holder.end();
      bridge.close();
      await writer.close();
    }
  });

  it('refuses bad store URLs and reports an unreachable store with a code', async () => {
    expect(await codeOfAsync(() => PostgresLogStore.open('mysql://x'))).toBe('USAGE');
    expect(await codeOfAsync(() => PostgresLogStore.open(`${cluster.url}?schema=Bad-Name`))).toBe('USAGE');
    expect(await codeOfAsync(() => PostgresLogStore.open(`postgres://u:p@127.0.0.1:1/db`))).toBe('STORAGE_UNAVAILABLE');
  });
});

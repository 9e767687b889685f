// The sequencer lease's check deadline (docs/storage.md "One sequencer at a time"):
// a holder cut off from PostgreSQL gives the lease up by itself, without waiting
// for the kernel to notice; a holder whose own event loop stalls (a blocking
// read, a long replay) keeps it. The lease connects through a TCP relay that can
// slow PostgreSQL's answers or cut the connection off while keeping it open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequencerLease } from '../../src/storage/postgres/sequencer-lease.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';

const skip = skipWithoutPg();
let cluster: PgCluster;
beforeAll(async () => {
  if (skip) return;
  cluster = await startPgCluster({ pgaudit: false });
}, 300_000);
afterAll(async () => {
  await cluster?.stop();
});

const through = (relay: TcpRelay, schema: string): string => {
  const u = new URL(cluster.url);
  u.port = String(relay.port);
  return `${u.toString()}?schema=${schema}`;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** What `lost` has resolved with by now, or undefined. */
const settled = async (lease: SequencerLease): Promise<Error | undefined> => Promise.race([lease.lost, sleep(0).then(() => undefined)]);
const holders = (): number => Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ilog sequencer'"));

describe.skipIf(skip)('sequencer lease check deadline', () => {
  it('a holder whose event loop stalls past the deadline, with answers waiting unread, keeps the lease', async () => {
    const relay = await startTcpRelay('127.0.0.1', cluster.port);
    // Deadlines here are far above a loaded machine's answer times; the stalls are twice the deadline.
    const lease = await SequencerLease.acquire(through(relay, 'stall'), { pollMs: 50, checkDeadlineMs: 800 });
    try {
      // Every answer takes 100 ms, so a check is nearly always in flight when a stall begins;
      // each stall (as a blocking read through the synchronous PostgreSQL bridge would) lasts
      // twice the deadline, and the answer arrives during it but is read only after it.
      await relay.setDelay(100);
      const wait = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 8; i++) {
        Atomics.wait(wait, 0, 0, 1600);
        await sleep(20 + i * 7);
      }
      await sleep(500);
      expect(await settled(lease)).toBeUndefined();
      expect(holders()).toBe(1);
    } finally {
      await lease.release();
      await relay.close();
    }
  }, 120_000);

  it('a holder cut off from PostgreSQL gives the lease up by itself', async () => {
    const relay = await startTcpRelay('127.0.0.1', cluster.port);
    const lease = await SequencerLease.acquire(through(relay, 'cut'), { pollMs: 50, checkDeadlineMs: 300 });
    try {
      await sleep(300);
      expect(await settled(lease)).toBeUndefined(); // answered checks: held
      await relay.freeze(); // no byte passes, no socket closes: only the deadline can tell
      const lost = await Promise.race([lease.lost, sleep(60_000).then(() => undefined)]);
      expect(lost).toBeDefined();
      expect(lost!.message).toMatch(/lost the sequencer lease/);
      expect(JSON.stringify(lost)).toMatch(/no answer to the lease check/);
    } finally {
      await lease.release();
      await relay.close();
    }
  }, 120_000);

  it('an answer slower than the check interval but within the deadline keeps the lease', async () => {
    const relay = await startTcpRelay('127.0.0.1', cluster.port);
    const lease = await SequencerLease.acquire(through(relay, 'slow'), { pollMs: 50, checkDeadlineMs: 1500 });
    try {
      await relay.setDelay(300); // six check intervals: checks must not queue up behind each other
      await sleep(3000);
      expect(await settled(lease)).toBeUndefined();
    } finally {
      await lease.release();
      await relay.close();
    }
  }, 120_000);
});

// Publishing under a 2-of-3 witness policy, in one process (witnesses on real
// loopback sockets, real SQLite state); e2e.test.ts repeats the scenarios with
// every witness and the mirror as separate processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cosignerFromKey, generateCosignerKey } from '../../src/ledger/cosignature.js';
import { generateKey } from '../../src/ledger/note.js';
import { listen } from '../../src/http/log-server.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { parsePolicy } from '../../src/witness/policy.js';
import { WitnessPublisher, type PolicyUnmet } from '../../src/witness/publisher.js';
import { verifyCheckpointWithPolicy } from '../../src/witness/checkpoint-notes.js';
import { Witness } from '../../src/witness/witness.js';
import { witnessServer } from '../../src/witness/witness-server.js';
import { WitnessStore } from '../../src/witness/witness-store.js';
import { appendAndSign, entriesFor, ORIGIN } from './fixtures.js';

interface RunningWitness {
  name: string;
  vkey: string;
  url: string;
  store: WitnessStore;
  app: FastifyInstance;
  dir: string;
  skey: string;
  port: number;
}

let tmp: string;
let storage: SqliteLogStorage;
const logKey = generateKey(ORIGIN);
let witnesses: RunningWitness[];

async function startWitness(dir: string, skey: string, port = 0): Promise<{ app: FastifyInstance; store: WitnessStore; url: string }> {
  const store = WitnessStore.open(dir);
  const app = witnessServer(new Witness({ store, cosigners: [cosignerFromKey(skey)], logKeys: [logKey.vkey] }));
  const url = await listen(app, '127.0.0.1', port);
  return { app, store, url };
}

async function stopWitness(w: RunningWitness): Promise<void> {
  await w.app.close();
  w.store.close();
}

async function restartWitness(w: RunningWitness): Promise<void> {
  Object.assign(w, await startWitness(w.dir, w.skey, w.port));
}

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ilog-publisher-'));
  storage = SqliteLogStorage.open(join(tmp, 'log'));
  witnesses = [];
  for (const name of ['w1', 'w2', 'w3']) {
    const { skey, vkey } = generateCosignerKey(`${name}.example`);
    const dir = join(tmp, name);
    const s = await startWitness(dir, skey);
    witnesses.push({ name, vkey, skey, dir, ...s, port: Number(new URL(s.url).port) });
  }
});
afterEach(async () => {
  for (const w of witnesses) await stopWitness(w).catch(() => {});
  storage.close();
  rmSync(tmp, { recursive: true, force: true });
});

function policyText(): string {
  return `log ${logKey.vkey}\n${witnesses.map((w) => `witness ${w.name} ${w.vkey} ${w.url}`).join('\n')}\ngroup main 2 w1 w2 w3\nquorum main\n`;
}

function publisher(events: string[] = [], unmet: PolicyUnmet[] = []): WitnessPublisher {
  return new WitnessPublisher({
    policy: parsePolicy(policyText()),
    logVkey: logKey.vkey,
    source: storage,
    dir: join(tmp, 'log'),
    timeoutMs: 2000,
    log: (l) => events.push(l),
    onPolicyUnmet: (u) => unmet.push(u),
  });
}

describe('publishing under a 2-of-3 witness policy', () => {
  it('publishes a checkpoint cosigned by all three, verifiable with the policy', async () => {
    appendAndSign(storage, entriesFor(0, 300), logKey.skey);
    const p = publisher();
    expect(await p.publishNow()).toBe(true);
    expect(p.published()!.size).toBe(300);
    // Published as soon as two cosigned; the third cosignature is added when it arrives.
    const cosigners = () => verifyCheckpointWithPolicy(p.published()!.note, parsePolicy(policyText())).cosigners.sort();
    expect(cosigners().length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 200 && cosigners().length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(cosigners()).toEqual(['w1', 'w2', 'w3']);
    // Next checkpoint: witnesses get the consistency proof from 300.
    appendAndSign(storage, entriesFor(300, 700), logKey.skey);
    expect(await p.publishNow()).toBe(true);
    expect(p.published()!.size).toBe(1000);
    for (let i = 0; i < 200 && witnesses.some((w) => w.store.latest(ORIGIN)?.size !== 1000); i++) await new Promise((r) => setTimeout(r, 25));
    for (const w of witnesses) expect(w.store.latest(ORIGIN)?.size).toBe(1000);
    expect(p.status()).toMatchObject({ policyMet: true, publishedSize: 1000 });
  });

  it('one witness down: publication continues with two cosignatures', async () => {
    appendAndSign(storage, entriesFor(0, 10), logKey.skey);
    const p = publisher();
    await stopWitness(witnesses[2]!);
    expect(await p.publishNow()).toBe(true);
    expect(verifyCheckpointWithPolicy(p.published()!.note, parsePolicy(policyText())).cosigners.sort()).toEqual(['w1', 'w2']);
  });

  it('two down: appends continue, the last published checkpoint stays, onPolicyUnmet fires; recovers when one returns (409 catch-up)', async () => {
    appendAndSign(storage, entriesFor(0, 10), logKey.skey);
    const events: string[] = [];
    const unmet: PolicyUnmet[] = [];
    const p = publisher(events, unmet);
    expect(await p.publishNow()).toBe(true);
    await stopWitness(witnesses[1]!);
    await stopWitness(witnesses[2]!);
    appendAndSign(storage, entriesFor(10, 5), logKey.skey);
    expect(await p.publishNow()).toBe(false);
    appendAndSign(storage, entriesFor(15, 5), logKey.skey);
    expect(await p.publishNow()).toBe(false);
    expect(storage.size()).toBe(20);
    expect(p.published()!.size).toBe(10);
    expect(p.status()).toMatchObject({ policyMet: false, publishedSize: 10, latestSize: 20, unmet: { size: 20, publishedSize: 10, cosigned: ['w1'] } });
    expect(unmet).toHaveLength(1);
    expect(events.some((e) => e.includes('NOT met'))).toBe(true);
    // w3 comes back with its old state (size 10): the publisher sends the proof from 10.
    await restartWitness(witnesses[2]!);
    expect(await p.publishNow()).toBe(true);
    expect(p.published()!.size).toBe(20);
    expect(p.status().policyMet).toBe(true);
    expect(events.some((e) => e.includes('met again'))).toBe(true);
  });

  it('learns a witness size from 409 (a witness that is ahead of what the publisher assumed)', async () => {
    appendAndSign(storage, entriesFor(0, 10), logKey.skey);
    expect(await publisher().publishNow()).toBe(true);
    appendAndSign(storage, entriesFor(10, 10), logKey.skey);
    // A fresh publisher without the published file: it assumes size 0 and each witness answers 409 "10".
    rmSync(join(tmp, 'log', 'checkpoint.published'));
    const p = publisher();
    expect(await p.publishNow()).toBe(true);
    expect(p.published()!.size).toBe(20);
  });

  it('survives a restart: serves the published checkpoint without asking again', async () => {
    appendAndSign(storage, entriesFor(0, 10), logKey.skey);
    const p1 = publisher();
    await p1.publishNow();
    const p2 = publisher();
    expect(p2.published()).toEqual(p1.published());
  });
});

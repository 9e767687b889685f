// Every party as its own `ilog` process on loopback, each with its own data
// directory: the log (`ilog serve`, publishing under <dir>/witness-policy, a
// 2-of-3 quorum), three `ilog witness` processes and an `ilog mirror` process.
// Publication with all three, with one down, stopped (appends continuing) with
// two down and resumed when one returns; a primary whose log.db is deleted is
// restored from the mirror, verifies, and keeps appending; a rewritten,
// re-signed (forked) log is refused by every witness and caught by the mirror.
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { parseNote } from '../../src/ledger/note.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { verifyCheckpointWithPolicy } from '../../src/witness/checkpoint-notes.js';
import { parsePolicy } from '../../src/witness/policy.js';
import { WitnessStore } from '../../src/witness/witness-store.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { appendAndSign, entriesFor } from './fixtures.js';
import { startCli, stopAll, waitFor, type Proc } from './processes.js';

const ORIGIN = 'example.com/e2e-log';
let tmp: string;
let logDir: string;
let vkey: string;
let token: string;
let policy: string;
let log: Proc;
let logUrl: string;
let mirror: Proc;
let mirrorUrl: string;
const witnesses: { name: string; dir: string; vkey: string; port: number; proc?: Proc }[] = [];

async function startWitness(w: (typeof witnesses)[number]): Promise<void> {
  w.proc = await startCli(['witness', '--dir', w.dir, '--listen', `127.0.0.1:${w.port}`, '--json'], /"listening":"http:\/\/127\.0\.0\.1:(\d+)"/);
  w.port = Number(w.proc.match[1]);
}

async function startLog(port = 0): Promise<void> {
  log = await startCli(['serve', '--dir', logDir, '--listen', `127.0.0.1:${port}`, '--json'], /"url":"([^"]+)"/);
  logUrl = log.match[1]!;
}

function removeLogDb(): void {
  for (const f of readdirSync(logDir).filter((f) => f.startsWith('log.db'))) unlinkSync(join(logDir, f));
}

/** A witness's state, read from its witness.db (SQLite is safe to read while the witness process writes). */
function witnessState(dir: string): { size: number; evidence: { kind: string }[] } {
  const store = WitnessStore.open(dir);
  try {
    return { size: store.latest(ORIGIN)?.size ?? 0, evidence: store.evidence() };
  } finally {
    store.close();
  }
}

/** Append n valid entries through POST /add; returns the log size afterwards. */
async function append(n: number, tag = 'a'): Promise<number> {
  const body = entriesFor(0, n, `${tag}${Date.now()}`).map((e) => Buffer.from(e).toString()).join('\n') + '\n';
  const res = await fetch(`${logUrl}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
  const j = (await res.json()) as { indexes: number[] };
  expect(res.status, JSON.stringify(j)).toBe(200);
  return j.indexes[j.indexes.length - 1]! + 1;
}

interface Health {
  published: number;
  sequenced: number;
  witnessPolicy: { policyMet: boolean; unmet?: { size: number; publishedSize: number; cosigned: string[] }; witnesses: { name: string; lastError?: string }[] };
}
async function health(): Promise<Health> {
  return (await (await fetch(`${logUrl}/health`)).json()) as Health;
}

async function served(url: string): Promise<{ size: number; note: string } | undefined> {
  const res = await fetch(`${url}/checkpoint`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const note = await res.text();
  return { size: parseCheckpoint(parseNote(note).text).size, note };
}

function cosigners(note: string): string[] {
  return verifyCheckpointWithPolicy(note, parsePolicy(policy)).cosigners.sort();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ilog-witness-e2e-'));
  logDir = join(tmp, 'log');
  expect((await runCli(['init', '--dir', logDir, '--origin', ORIGIN, '--json'])).code).toBe(0);
  vkey = readFileSync(join(logDir, 'log.vkey'), 'utf8').trim();
  token = readFileSync(join(logDir, 'token'), 'utf8').trim();
  const names = ['w1', 'w2', 'w3'];
  const inits = await Promise.all(names.map((name) => runCli(['witness', 'init', '--dir', join(tmp, name), '--name', `${name}.example`, '--log', vkey, '--json'])));
  names.forEach((name, i) => {
    expect(inits[i]!.code, inits[i]!.stderr).toBe(0);
    witnesses.push({ name, dir: join(tmp, name), vkey: jsonOf(inits[i]!).vkey as string, port: 0 });
  });
  await Promise.all(witnesses.map(startWitness));
  policy = `log ${vkey}\n${witnesses.map((w) => `witness ${w.name} ${w.vkey} http://127.0.0.1:${w.port}`).join('\n')}\ngroup any2 2 w1 w2 w3\nquorum any2\n`;
  writeFileSync(join(logDir, 'witness-policy'), policy);
  await startLog();
  mirror = await startCli(['mirror', '--from', logUrl, '--dir', join(tmp, 'mirror'), '--vkey', vkey, '--format', 'tiles', '--listen', '127.0.0.1:0', '--interval', '100', '--json'], /"url":"([^"]+)"/);
  mirrorUrl = mirror.match[1]!;
}, 300_000);

afterAll(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a log, three witnesses and a mirror, each its own process', () => {
  it('publishes only 2-of-3 cosigned checkpoints, which the mirror copies', async () => {
    const size = await append(300);
    await waitFor('publication', async () => (await health()).published === size);
    // Published once two cosigned; the third cosignature is added when it arrives.
    await waitFor('three cosignatures', async () => cosigners((await served(logUrl))!.note).length === 3);
    await waitFor('all witnesses at the new size', () => witnesses.every((w) => witnessState(w.dir).size === size));
    await waitFor('mirror catch-up', async () => (await served(mirrorUrl))?.size === size);
  }, 60_000);

  it('keeps publishing with one witness down', async () => {
    await witnesses[2]!.proc!.stop();
    const size = await append(50);
    await waitFor('publication', async () => (await health()).published === size);
    expect(cosigners((await served(logUrl))!.note)).toEqual(['w1', 'w2']);
  }, 60_000);

  it('with two down: appends continue, publication stops and says so; it resumes when one witness returns', async () => {
    await witnesses[1]!.proc!.stop();
    const published = (await health()).published;
    await append(20);
    const size = await append(30);
    const h = await waitFor('policy unmet in /health', async () => {
      const x = await health();
      return !x.witnessPolicy.policyMet && x.witnessPolicy.unmet?.size === size ? x : undefined;
    });
    expect(h.witnessPolicy.unmet).toMatchObject({ publishedSize: published, cosigned: ['w1'] });
    expect((await served(logUrl))!.size).toBe(published);
    expect(log.output().stderr).toMatch(/witness policy NOT met/);
    // w3 returns (it last cosigned the first checkpoint): the log learns that from a 409 and proves from there.
    await startWitness(witnesses[2]!);
    await waitFor('publication after recovery', async () => (await health()).published === size);
    expect((await health()).witnessPolicy.policyMet).toBe(true);
    expect(log.output().stderr).toMatch(/witness policy met again/);
    await startWitness(witnesses[1]!);
    await waitFor('mirror catch-up', async () => (await served(mirrorUrl))?.size === size);
  }, 120_000);

  it('restores a primary whose log.db was deleted from the mirror; it verifies and appends continue, witnessed', async () => {
    const size = (await health()).published;
    await waitFor('mirror catch-up', async () => (await served(mirrorUrl))?.size === size);
    const port = Number(new URL(logUrl).port);
    await log.stop();
    removeLogDb();
    writeFileSync(join(tmp, 'known-checkpoint'), readFileSync(join(logDir, 'checkpoint.published')));
    const r = await runCli(['restore', '--from', mirrorUrl, '--dir', logDir, '--checkpoint', join(tmp, 'known-checkpoint'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r).size).toBe(size);
    const verify = await runCli(['verify', '--dir', logDir, '--policy', join(logDir, 'witness-policy'), '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    await startLog(port);
    const next = await append(25);
    await waitFor('publication after restore', async () => (await health()).published === next);
    expect(cosigners((await served(logUrl))!.note).length).toBeGreaterThanOrEqual(2);
    // Anyone can check the served log and its witness cosignatures.
    const remote = await runCli(['verify', '--url', logUrl, '--vkey', vkey, '--policy', join(logDir, 'witness-policy'), '--json']);
    expect(remote.code, remote.stdout + remote.stderr).toBe(0);
    expect(jsonOf(remote).witnessed.cosigners.length).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('a forked log (storage rewritten and re-signed with the log key) is refused by every witness and caught by the mirror', async () => {
    // Every start of serve logs node.started: let that entry's publication finish before fixing the honest size.
    await waitFor('publication settled', async () => {
      const h = await health();
      return h.published === h.sequenced;
    });
    const honest = (await health()).published;
    await waitFor('mirror catch-up', async () => (await served(mirrorUrl))?.size === honest);
    await waitFor('all witnesses at the honest size', () => witnesses.every((w) => witnessState(w.dir).size === honest));
    const before = witnesses.map((w) => witnessState(w.dir));
    const port = Number(new URL(logUrl).port);
    await log.stop();
    // Rewrite history with the log's own key: different entries, a larger tree.
    removeLogDb();
    const forged = SqliteLogStorage.open(logDir);
    appendAndSign(forged, entriesFor(0, honest + 40, 'forged'), readFileSync(join(logDir, 'log.key'), 'utf8').trim(), ORIGIN);
    forged.close();
    await startLog(port);
    // Each witness answers 422 (or 409) — a transient network error on the way is retried.
    await waitFor('every witness refusing', async () => (await health()).witnessPolicy.witnesses.every((w) => /WITNESS_(REFUSED|CONFLICT)/.test(w.lastError ?? '')), 90_000);
    expect((await served(logUrl))!.size).toBe(honest);
    witnesses.forEach((w, i) => {
      const s = witnessState(w.dir);
      expect(s.size).toBe(before[i]!.size);
      expect(s.evidence.length).toBeGreaterThan(before[i]!.evidence.length);
    });
    // A log that serves its forked checkpoint anyway (policy removed): the mirror stops with evidence.
    await log.stop();
    renameSync(join(logDir, 'witness-policy'), join(tmp, 'witness-policy.off'));
    await startLog(port);
    const evidenceFile = await waitFor('mirror evidence', () => readdirSync(join(tmp, 'mirror')).find((f) => /^evidence-\d+\.json$/.test(f)));
    const ev = JSON.parse(readFileSync(join(tmp, 'mirror', evidenceFile), 'utf8')) as { code: string; evidence: { older: string; newer: string; proof: string[] } };
    expect(ev.code).toBe('LOG_INCONSISTENT');
    expect(parseCheckpoint(parseNote(ev.evidence.older).text).size).toBe(honest);
    // The forged entries, plus the node.started entry each start of `ilog serve` logs.
    expect(parseCheckpoint(parseNote(ev.evidence.newer).text).size).toBeGreaterThanOrEqual(honest + 40);
    expect(ev.evidence.proof.length).toBeGreaterThan(0);
    await waitFor('the mirror saying it stopped', () => /MIRROR STOPPED/.test(mirror.output().stderr));
    expect((await served(mirrorUrl))!.size).toBe(honest);
    const mh = (await (await fetch(`${mirrorUrl}/health`)).json()) as { mirror: { following: boolean; evidence: string } };
    expect(mh.mirror).toMatchObject({ following: false, evidence: join(tmp, 'mirror', evidenceFile) });
    expect(existsSync(join(tmp, 'mirror', 'checkpoint'))).toBe(true);
  }, 180_000);
});

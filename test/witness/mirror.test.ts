// Mirror in-process against a real log read API on loopback (the multi-process
// scenarios are in e2e.test.ts): SQLite and tiles copies, incremental sync,
// tampered entries and a rewritten (forked) log.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogServer, listen } from '../../src/http/log-server.js';
import { generateKey } from '../../src/ledger/note.js';
import { cosignerFromKey, generateCosignerKey } from '../../src/ledger/cosignature.js';
import { parsePolicy } from '../../src/witness/policy.js';
import { verifyCheckpointWithPolicy } from '../../src/witness/checkpoint-notes.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { Mirror } from '../../src/witness/mirror.js';
import { openMirrorCopy } from '../../src/witness/mirror-setup.js';
import { DirTlogSource, HttpTlogSource } from '../../src/witness/tlog-source.js';
import { appendAndSign, entriesFor, ORIGIN } from './fixtures.js';
import type { LogStorageReader } from '../../src/storage/log-storage.js';

let tmp: string;
let storage: SqliteLogStorage;
let app: FastifyInstance;
let url: string;
const key = generateKey(ORIGIN);

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ilog-mirror-'));
  storage = SqliteLogStorage.open(join(tmp, 'log'));
  app = await createLogServer({ storage });
  url = await listen(app, '127.0.0.1', 0);
});
afterEach(async () => {
  await app.close();
  storage.close();
  rmSync(tmp, { recursive: true, force: true });
});

function sameContent(a: LogStorageReader, b: LogStorageReader): void {
  const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');
  expect(b.treeState().size).toBe(a.treeState().size);
  expect(hex(b.treeState().root)).toBe(hex(a.treeState().root));
  expect(b.readEntries(0, a.size()).map(hex)).toEqual(a.readEntries(0, a.size()).map(hex));
}

function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

describe.each(['sqlite', 'tiles'] as const)('mirror (%s copy)', (format) => {
  it('copies a log in several chunks, verifies it and follows it as it grows', async () => {
    appendAndSign(storage, entriesFor(0, 1000), key.skey);
    const { copy, storage: view } = openMirrorCopy(join(tmp, 'mirror'), format);
    const mirror = new Mirror({ source: new HttpTlogSource(url), copy, logVkey: key.vkey, chunkEntries: 512 });
    expect(await mirror.syncOnce()).toEqual({ size: 1000, copied: 1000 });
    sameContent(storage, view);
    expect(view.latestCheckpoint()).toBe(storage.latestCheckpoint());
    appendAndSign(storage, entriesFor(1000, 300), key.skey);
    expect(await mirror.syncOnce()).toEqual({ size: 1300, copied: 300 });
    sameContent(storage, view);
    // Nothing new: nothing copied.
    expect((await mirror.syncOnce()).copied).toBe(0);
    copy.close();
    // A restarted mirror resumes where the copy ends.
    const again = openMirrorCopy(join(tmp, 'mirror'), format);
    appendAndSign(storage, entriesFor(1300, 5), key.skey);
    expect(await new Mirror({ source: new HttpTlogSource(url), copy: again.copy, logVkey: key.vkey }).syncOnce()).toEqual({ size: 1305, copied: 5 });
    sameContent(storage, again.storage);
    again.copy.close();
  });

  it('refuses a checkpoint not signed by the log key and copies nothing', async () => {
    appendAndSign(storage, entriesFor(0, 10), generateKey(ORIGIN).skey);
    const { copy, storage: view } = openMirrorCopy(join(tmp, 'mirror'), format);
    const mirror = new Mirror({ source: new HttpTlogSource(url), copy, logVkey: key.vkey });
    expect(await code(mirror.syncOnce())).toBe('NOTE_UNVERIFIED');
    expect(view.size()).toBe(0);
    copy.close();
  });

  it('stops with evidence (both checkpoints, failing proof) when the log is rewritten and re-signed', async () => {
    const first = appendAndSign(storage, entriesFor(0, 600), key.skey);
    const { copy } = openMirrorCopy(join(tmp, 'mirror'), format);
    const mirror = new Mirror({ source: new HttpTlogSource(url), copy, logVkey: key.vkey });
    await mirror.syncOnce();
    // The operator (or an attacker with the key) rebuilds the log with different history.
    await app.close();
    storage.close();
    rmSync(join(tmp, 'log'), { recursive: true });
    storage = SqliteLogStorage.open(join(tmp, 'log'));
    const forked = appendAndSign(storage, [...entriesFor(0, 599), ...entriesFor(599, 200, 'forged')], key.skey);
    app = await createLogServer({ storage });
    const forkUrl = await listen(app, '127.0.0.1', 0);
    const m2 = new Mirror({ source: new HttpTlogSource(forkUrl), copy, logVkey: key.vkey });
    const err = await m2.syncOnce().catch((e: unknown) => e as { code: string; evidence: Record<string, unknown> });
    expect(err).toMatchObject({ code: 'LOG_INCONSISTENT', evidence: { kind: 'inconsistent', older: first, newer: forked, oldSize: 600, newSize: 799 } });
    expect((err as unknown as { evidence: { proof: string[] } }).evidence.proof.length).toBeGreaterThan(0);
    expect(copy.verifiedSize()).toBe(600);
    copy.close();
  });
});

describe('mirror sources', () => {
  it('mirrors from a tiles directory (a mirror of a mirror)', async () => {
    appendAndSign(storage, entriesFor(0, 700), key.skey);
    const a = openMirrorCopy(join(tmp, 'a'), 'tiles');
    await new Mirror({ source: new HttpTlogSource(url), copy: a.copy, logVkey: key.vkey }).syncOnce();
    const b = openMirrorCopy(join(tmp, 'b'), 'sqlite');
    expect(await new Mirror({ source: new DirTlogSource(join(tmp, 'a')), copy: b.copy, logVkey: key.vkey }).syncOnce()).toEqual({ size: 700, copied: 700 });
    sameContent(storage, b.storage);
    b.copy.close();
  });

  it('rejects a source whose entries do not hash to its checkpoint, and one whose tiles do not match its entries', async () => {
    appendAndSign(storage, entriesFor(0, 600), key.skey);
    const a = openMirrorCopy(join(tmp, 'a'), 'tiles');
    await new Mirror({ source: new HttpTlogSource(url), copy: a.copy, logVkey: key.vkey }).syncOnce();
    // Tamper with the copy used as a source: swap one entry inside a full bundle.
    const bundlePath = join(tmp, 'a', 'tile', 'entries', '001');
    const original = readFileSync(bundlePath);
    writeFileSync(bundlePath, Buffer.from(original.toString('latin1').replace('person-a-300', 'person-x-300'), 'latin1'));
    const b = openMirrorCopy(join(tmp, 'b'), 'tiles');
    const err = await new Mirror({ source: new DirTlogSource(join(tmp, 'a')), copy: b.copy, logVkey: key.vkey }).syncOnce().catch((e: { code: string; evidence: { kind: string } }) => e);
    expect(err).toMatchObject({ code: 'LOG_INCONSISTENT', evidence: { kind: 'bad-entries' } });
    expect(b.copy.verifiedSize()).toBe(0);
    // Entries intact but a hash tile altered.
    writeFileSync(bundlePath, original);
    const tilePath = join(tmp, 'a', 'tile', '0', '001');
    const tile = readFileSync(tilePath);
    tile[5] = (tile[5] as number) ^ 1;
    writeFileSync(tilePath, tile);
    const c = openMirrorCopy(join(tmp, 'c'), 'tiles');
    const mc = new Mirror({ source: new DirTlogSource(join(tmp, 'a')), copy: c.copy, logVkey: key.vkey });
    expect(await code(mc.syncOnce())).toBe('MIRROR_BAD_TILE');
    // Once the source is repaired the same mirror copies everything (nothing half-done was kept).
    tile[5] = (tile[5] as number) ^ 1;
    writeFileSync(tilePath, tile);
    expect(await mc.syncOnce()).toEqual({ size: 600, copied: 600 });
  });

  it('cosigns what it mirrored when given a cosigner key', async () => {
    appendAndSign(storage, entriesFor(0, 20), key.skey);
    const mk = generateCosignerKey('mirror.example/m1');
    const { copy, storage: view } = openMirrorCopy(join(tmp, 'mirror'), 'sqlite');
    await new Mirror({ source: new HttpTlogSource(url), copy, logVkey: key.vkey, cosigner: cosignerFromKey(mk.skey) }).syncOnce();
    const served = view.latestCheckpoint()!;
    const policy = parsePolicy(`log ${key.vkey}\nwitness m ${mk.vkey}\nquorum m\n`);
    expect(verifyCheckpointWithPolicy(served, policy).cosigners).toEqual(['m']);
    copy.close();
  });
});

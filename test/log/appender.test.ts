import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/ledger/checkpoint.js';
import { decodeEntry, encodeEntry } from '../../src/ledger/entry.js';
import { IlogError } from '../../src/ledger/errors.js';
import { leafHash } from '../../src/ledger/hash.js';
import { verifyInclusion } from '../../src/ledger/merkle.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { verifierFromKey } from '../../src/ledger/note.js';
import { Appender } from '../../src/log/appender.js';
import { initLog, type InitializedLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { inlineWriter, type StorageWriter } from '../../src/log/appender-writer.js';
import { integrationTo } from '../storage/fixtures.js';

const ORIGIN = 'test.example/appender';
const access = (i: number): object => ({
  v: 1, kind: 'access', time: '2026-11-27T06:00:00.000Z', source: 'pg-proxy', person: `person${i}`, action: 'select',
});

describe('initLog', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'ilog-init-'));
    dirs.push(d);
    return join(d, 'data');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates key, token, config and a signed genesis entry 0', async () => {
    const dir = tmp();
    const log = await initLog(dir, { origin: ORIGIN, genesis: { admins: [{ name: 'alice', vkey: 'alice+00000000+AAAA' }], quorum: 1 } });
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['config.json', 'log.db', 'log.key', 'log.vkey', 'token']));
    expect(statSync(join(dir, 'log.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'log.vkey'), 'utf8').trim()).toBe(log.vkey);
    expect(readFileSync(join(dir, 'token'), 'utf8').trim()).toBe(log.token);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ origin: ORIGIN });
    const storage = SqliteLogStorage.open(dir);
    expect(decodeEntry(storage.readEntries(0, 1)[0] as Uint8Array)).toMatchObject({ kind: 'genesis', origin: ORIGIN, logKey: log.vkey, quorum: 1 });
    storage.close();
    const { checkpoint } = openCheckpoint(log.checkpoint, [verifierFromKey(log.vkey)], ORIGIN);
    expect(checkpoint.size).toBe(1);
  });

  it('refuses to overwrite a log, and leaves nothing behind on bad input', async () => {
    const dir = tmp();
    await initLog(dir, { origin: ORIGIN });
    await expect(initLog(dir, { origin: ORIGIN })).rejects.toMatchObject({ code: 'LOG_EXISTS' });
    const other = tmp();
    await expect(initLog(other, { origin: 'has space' })).rejects.toMatchObject({ code: 'BAD_ORIGIN' });
    await expect(initLog(other, { origin: ORIGIN, genesis: { quorum: -1 } })).rejects.toMatchObject({ code: 'INVALID_ENTRY' });
    expect(existsSync(other)).toBe(false);
  });

  it('says so when a directory holds no log', async () => {
    await expect(Appender.open(tmp())).rejects.toMatchObject({ code: 'NO_LOG' });
  });
});

describe('Appender', () => {
  let root: string;
  let dir: string;
  let log: InitializedLog;
  let appender: Appender;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'ilog-appender-'));
    dir = join(root, 'data');
    log = await initLog(dir, { origin: ORIGIN });
    appender = await Appender.open(dir);
    // Exercise the production path: writes on the writer thread (it starts in the background).
    for (let i = 0; i < 600 && appender.stats().writer !== 'thread'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(appender.stats().writer).toBe('thread');
  });
  afterEach(async () => {
    await appender.close();
    rmSync(root, { recursive: true, force: true });
  });

  const verifyIntegrated = async (index: number, bytes: Uint8Array): Promise<number> => {
    const r = await appender.awaitIntegrated(index);
    const { checkpoint } = openCheckpoint(r.checkpoint, [verifierFromKey(log.vkey)], ORIGIN);
    expect(checkpoint.size).toBe(r.size);
    verifyInclusion(index, checkpoint.size, leafHash(bytes), r.proof, checkpoint.root);
    return checkpoint.size;
  };

  it('appends objects as canonical entries at consecutive indexes, durably, in one commit', async () => {
    const before = appender.stats().commits;
    const indexes = await Promise.all(Array.from({ length: 2000 }, (_, i) => appender.append(access(i))));
    expect(indexes).toEqual(indexes.map((_, i) => i + 1));
    expect(appender.stats().commits - before).toBe(1);
    const other = SqliteLogStorage.open(dir);
    expect(Buffer.from(other.readEntries(7, 8)[0] as Uint8Array)).toEqual(Buffer.from(encodeEntry(access(6))));
    other.close();
  });

  it('hands the writer thread entries that share a buffer, back to back or not, byte for byte', async () => {
    // Views of one buffer (how POST /v1/access encodes a batch): runs are copied at once; a gap, another buffer or an overlap starts a new run.
    const texts = ['{"a":1}', '{"b":22}', '{"c":333}', '{"d":4444}'];
    const shared = Buffer.from(texts.join('') + '~' + texts[0]);
    const views: Uint8Array[] = [];
    for (let off = 0, i = 0; i < texts.length; off += texts[i]!.length, i++) views.push(shared.subarray(off, off + texts[i]!.length));
    const afterGap = shared.subarray(shared.length - texts[0]!.length);
    const batch = [views[0]!, views[1]!, new Uint8Array(Buffer.from('{"x":0}')), views[2]!, views[3]!, afterGap, views[0]!, views[0]!];
    const indexes = await appender.appendMany(batch);
    const other = SqliteLogStorage.open(dir);
    expect(other.readEntries(indexes[0]!, indexes.at(-1)! + 1).map((b) => Buffer.from(b).toString())).toEqual(batch.map((b) => Buffer.from(b).toString()));
    other.close();
  });

  it('does not put an integration write behind every small commit; deferred entries ride along', async () => {
    const quiet = await Appender.open(dir, { pollIntervalMs: 60_000, checkpointIntervalMs: 60_000, deferMs: 60_000 });
    const before = quiet.stats();
    const outcome = quiet.appendDeferred(access(-1));
    for (let i = 0; i < 20; i++) await quiet.append(access(i)); // one small commit each
    const after = quiet.stats();
    expect(after.commits - before.commits).toBe(20);
    expect(after.integrationSteps - before.integrationSteps).toBe(0); // integration waits for a full step, the poll or a waiter
    const first = await outcome; // took the first append's commit, not one of its own
    expect(first).toBe(quiet.storage.size() - 21);
    const last = quiet.storage.size() - 1;
    const r = await quiet.awaitIntegrated(last); // a waiter integrates at once
    expect(r.size).toBeGreaterThan(last);
    await quiet.close();
  });

  it('rejects an invalid entry alone, with a code, and appends raw bytes as given', async () => {
    const results = await Promise.allSettled([
      appender.append(access(0)),
      appender.append({ v: 1, kind: 'access' }),
      appender.append(new Uint8Array(70_000)),
      appender.append(new Uint8Array([1, 2, 3])),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as IlogError).code))).toEqual([1, 'INVALID_ENTRY', 'ENTRY_TOO_LARGE', 2]);
    expect(await appender.appendMany([access(1), new Uint8Array([9])])).toEqual([3, 4]);
    await expect(appender.appendMany([access(2), { kind: 'nope' }])).rejects.toMatchObject({ code: 'INVALID_ENTRY' });
    expect(appender.storage.size()).toBe(5);
  });

  it('resolves awaitIntegrated with a signed checkpoint and an inclusion proof that verify', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => encodeEntry(access(i)));
    const indexes = await appender.appendMany(entries);
    const sizes = await Promise.all([1, 257, 600].map((k) => verifyIntegrated(indexes[k - 1] as number, entries[k - 1] as Uint8Array)));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(601);
    // An entry already covered by a checkpoint resolves from that checkpoint.
    await verifyIntegrated(0, readGenesis());
    await expect(appender.awaitIntegrated(10_000)).rejects.toMatchObject({ code: 'INDEX_OUT_OF_RANGE' });
    // Tiles and root agree with an independent in-memory tree.
    const all = appender.storage.readEntries(0, 601);
    expect(Buffer.from(appender.storage.treeState().root)).toEqual(Buffer.from(MemoryTree.fromEntries(all).root()));
  });

  const readGenesis = (): Uint8Array => appender.storage.readEntries(0, 1)[0] as Uint8Array;

  it('signs a checkpoint on demand and keeps the history', async () => {
    await appender.appendMany([access(0), access(1)]);
    const note = await appender.checkpoint();
    const { checkpoint } = openCheckpoint(note, [verifierFromKey(log.vkey)], ORIGIN);
    expect(checkpoint.size).toBe(3);
    expect(appender.storage.latestCheckpoint()).toBe(note);
    expect(appender.storage.checkpoints().map((c) => c.size)).toEqual([1, 3]);
  });

  it('checkpoint() stores the note with the integration that catches up (one write), and signs the stored tree when another integrated it', async () => {
    const storage = SqliteLogStorage.open(dir);
    const writes: string[] = [];
    const inline = inlineWriter(storage);
    const writer: StorageWriter = {
      ...inline,
      integrate: async (step) => (writes.push(step.checkpoint === undefined ? `integrate ${step.tree.size}` : `integrate ${step.tree.size} + checkpoint`), inline.integrate(step)),
      addCheckpoint: async (size, note) => (writes.push(`checkpoint ${size}`), inline.addCheckpoint(size, note)),
    };
    const own = await Appender.open(dir, { storage, writer, pollIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 });
    try {
      await own.checkpoint();
      writes.length = 0;
      await own.appendMany([access(0), access(1)]);
      const note = await own.checkpoint();
      expect(writes).toEqual(['integrate 3 + checkpoint']);
      expect(openCheckpoint(note, [verifierFromKey(log.vkey)], ORIGIN).checkpoint.size).toBe(3);
      expect(storage.latestCheckpoint()).toBe(note);
      expect(own.stats().checkpointSize).toBe(3);
      // Another writer integrated the new entry first: the stored tree is signed on its own.
      await appender.append(access(2));
      const other = SqliteLogStorage.open(dir);
      other.integrate(integrationTo(other, 4));
      other.close();
      writes.length = 0;
      const next = await own.checkpoint();
      expect(writes).toEqual(['checkpoint 4']);
      expect(storage.latestCheckpoint()).toBe(next);
      // Nothing new: nothing written.
      writes.length = 0;
      expect(await own.checkpoint()).toBe(next);
      expect(writes).toEqual([]);
    } finally {
      await own.close();
      storage.close();
    }
  });

  it('pushes back with a retry delay when the queue is full', async () => {
    const small = await Appender.open(dir, { maxQueuedEntries: 5 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => small.append(access(i))));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as IlogError);
    expect(refused.map((e) => e.code)).toEqual(['PUSHBACK', 'PUSHBACK', 'PUSHBACK']);
    expect(refused[0]?.evidence?.retryAfterMs).toEqual(expect.any(Number));
    await small.close();
  });

  it('integrates entries appended by another writer of the same log', async () => {
    const other = SqliteLogStorage.open(dir);
    const { first } = other.appendBatch([encodeEntry(access(1)), encodeEntry(access(2))]);
    other.close();
    await verifyIntegrated(first + 1, encodeEntry(access(2)));
  });

  it('commits and integrates on close, refuses work afterwards, and continues after reopening', async () => {
    const waited = appender.awaitIntegrated(await appender.append(access(0)));
    const pending = appender.append(access(1));
    await appender.close();
    expect(await pending).toBe(2);
    expect((await waited).size).toBe(3);
    await expect(appender.append(access(2))).rejects.toMatchObject({ code: 'CLOSED' });
    appender = await Appender.open(dir);
    expect(await appender.append(access(3))).toBe(3);
  });
});

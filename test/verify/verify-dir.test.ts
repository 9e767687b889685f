// ilog verify from a data directory: an intact log passes; every kind of edit
// to its SQLite file is caught and the FIRST bad index or tile is named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../src/ledger/entry.js';
import { generateKey } from '../../src/ledger/note.js';
import { IlogError } from '../../src/ledger/errors.js';
import { verifyLog, type VerifyOptions } from '../../src/log/verify.js';
import { accessEntry, buildLog, copyLog, removeDir } from './build-log.js';
import { flipByte, readAllEntries, rewriteLog, signWithLogKey, withDb } from './tamper.js';

let base: string;
const copies: string[] = [];
const SIZE = 701; // genesis + 700: tiles 0 and 1 full, tile 2 partial (189), tile/1/000.p/2

function copy(): string {
  const c = copyLog(base);
  copies.push(c);
  return c;
}

async function failure(opts: VerifyOptions): Promise<IlogError> {
  try {
    await verifyLog(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(IlogError);
    return err as IlogError;
  }
  throw new Error('verify passed on a tampered log');
}

const latestNote = (dir: string): string => withDb(dir, (db) => db.prepare('SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1').pluck().get() as string);

beforeAll(async () => {
  base = await buildLog(700, 3);
});

afterAll(() => {
  for (const d of [base, ...copies]) removeDir(join(d, '..'));
});

describe('verify --dir', () => {
  it('passes an intact log and checks every stored checkpoint', async () => {
    const r = await verifyLog({ source: { kind: 'dir', dir: base } });
    expect(r.size).toBe(SIZE);
    expect(r.entries).toBe(SIZE);
    expect(r.checkpoints).toBeGreaterThanOrEqual(4); // init (size 1) + one per batch
    expect(r.root).toBe(
      withDb(base, (db) => (db.prepare('SELECT root FROM tree').pluck().get() as Buffer).toString('base64')),
    );
  });

  it('gives the same answer with worker threads and small tasks', async () => {
    const r = await verifyLog({ source: { kind: 'dir', dir: base }, workers: 2, tilesPerTask: 1, startInline: false });
    expect(r.size).toBe(SIZE);
    expect(r.workers).toBe(2);
    const dir = copy();
    flipByte(dir, 'entries', 'idx = ?', 10, [600]);
    const err = await failure({ source: { kind: 'dir', dir }, workers: 2, tilesPerTask: 1, startInline: false });
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence?.index).toBe(600);
  });

  it('names an entry whose bytes were flipped', async () => {
    const dir = copy();
    flipByte(dir, 'entries', 'idx = ?', 20, [300]);
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ index: 300, tile: 'tile/0/001' });
    expect(err.evidence?.expected).not.toBe(err.evidence?.found);
  });

  it('names a level-0 tile hash that was flipped', async () => {
    const dir = copy();
    flipByte(dir, 'tiles', 'level = 0 AND idx = 1', 5 * 32 + 3);
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ index: 256 + 5, tile: 'tile/0/001' });
  });

  it('names an upper-level tile that was flipped', async () => {
    const dir = copy();
    flipByte(dir, 'tiles', 'level = 1 AND idx = 0', 32 + 1);
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ tile: 'tile/1/000.p/2', position: 1 });
  });

  it('names a deleted entry row', async () => {
    const dir = copy();
    withDb(dir, (db) => db.prepare('DELETE FROM entries WHERE idx = 123').run());
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('ENTRY_MISSING');
    expect(err.evidence?.index).toBe(123);
  });

  it('names the first of two swapped entries', async () => {
    const dir = copy();
    withDb(dir, (db) =>
      db.transaction(() => {
        const [a, b] = [10, 20].map((i) => db.prepare('SELECT data FROM entries WHERE idx = ?').pluck().get(i));
        db.prepare('UPDATE entries SET data = ? WHERE idx = 10').run(b);
        db.prepare('UPDATE entries SET data = ? WHERE idx = 20').run(a);
      })(),
    );
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence?.index).toBe(10);
  });

  it('names where a truncated log ends', async () => {
    const dir = copy();
    withDb(dir, (db) => db.prepare('DELETE FROM entries WHERE idx >= 500').run());
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('ENTRY_MISSING');
    expect(err.evidence?.index).toBe(500);
  });

  it('catches a rollback to an older state with the checkpoint saved before', async () => {
    const saved = latestNote(base);
    const dir = copy();
    // Roll everything back consistently to the first 300 entries (older checkpoints deleted too).
    rewriteLog(dir, readAllEntries(dir).slice(0, 300));
    await expect(verifyLog({ source: { kind: 'dir', dir } })).resolves.toMatchObject({ size: 300 });
    const err = await failure({ source: { kind: 'dir', dir }, savedCheckpoint: saved });
    expect(err.code).toBe('ROLLBACK');
    expect(err.evidence).toMatchObject({ savedSize: SIZE, size: 300 });
  });

  it('catches a fork re-signed with the log key against a saved checkpoint', async () => {
    const saved = latestNote(base);
    const dir = copy();
    const entries = readAllEntries(dir);
    entries[400] = Buffer.from(encodeEntry({ ...accessEntry(399), person: 'someone-else' }));
    entries.push(Buffer.from(encodeEntry(accessEntry(5000))));
    rewriteLog(dir, entries);
    // Internally consistent: only the saved checkpoint exposes it.
    await expect(verifyLog({ source: { kind: 'dir', dir } })).resolves.toMatchObject({ size: SIZE + 1 });
    const err = await failure({ source: { kind: 'dir', dir }, savedCheckpoint: saved });
    expect(err.code).toBe('INCONSISTENT');
    expect(err.evidence).toMatchObject({ savedSize: SIZE, size: SIZE + 1 });
    // And the honest log does extend the saved checkpoint, with a proof.
    const ok = await verifyLog({ source: { kind: 'dir', dir: base }, savedCheckpoint: withDb(base, (db) => db.prepare('SELECT note FROM checkpoints ORDER BY size LIMIT 1 OFFSET 1').pluck().get() as string) });
    expect(ok.consistency?.proof.length).toBeGreaterThan(0);
  });

  it('catches a checkpoint whose root the entries do not produce', async () => {
    const dir = copy();
    const forged = signWithLogKey(dir, SIZE, new Uint8Array(32).fill(7));
    withDb(dir, (db) => db.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(forged, SIZE));
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('ROOT_MISMATCH');
    expect(err.evidence?.size).toBe(SIZE);
  });

  it('catches an older stored checkpoint that was replaced', async () => {
    const dir = copy();
    const [size] = withDb(dir, (db) => db.prepare('SELECT size FROM checkpoints ORDER BY size LIMIT 1 OFFSET 1').pluck().all() as number[]);
    withDb(dir, (db) => db.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(signWithLogKey(dir, size!, new Uint8Array(32)), size));
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('ROOT_MISMATCH');
    expect(err.evidence?.size).toBe(size);
  });

  it('rejects a checkpoint not signed by the log key', async () => {
    const err = await failure({ source: { kind: 'dir', dir: base }, vkey: generateKey('test.example/verify').vkey });
    expect(err.code).toBe('BAD_CHECKPOINT');
  });

  it('checks that entry 0 is the genesis naming this origin and key', async () => {
    const dir = copy();
    const entries = readAllEntries(dir);
    entries[0] = Buffer.from(encodeEntry(accessEntry(0)));
    rewriteLog(dir, entries);
    const err = await failure({ source: { kind: 'dir', dir } });
    expect(err.code).toBe('BAD_GENESIS');
    expect(err.evidence?.index).toBe(0);
    expect(readFileSync(join(dir, 'log.vkey'), 'utf8')).toContain('test.example/verify');
  });
});

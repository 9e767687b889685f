import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncLog } from '../../src/storage/log-reader.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { describeLogStorage } from './conformance.js';
import { testEntries } from './fixtures.js';

describeLogStorage('sqlite', (dir) => asyncLog(SqliteLogStorage.open(dir)));

describe('SqliteLogStorage specifics', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'ilog-sqlite-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps one WAL-mode file, <dir>/log.db', () => {
    const dir = tmp();
    SqliteLogStorage.open(dir).close();
    const db = new Database(join(dir, 'log.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('creates log.db with 64 KiB pages, and keeps using a file made with 4 KiB pages', () => {
    const dir = tmp();
    SqliteLogStorage.open(dir).close();
    const db = new Database(join(dir, 'log.db'), { readonly: true });
    expect(db.pragma('page_size', { simple: true })).toBe(65_536);
    db.close();
    const old = tmp();
    const small = new Database(join(old, 'log.db'));
    small.pragma('page_size = 4096');
    small.pragma('journal_mode = WAL');
    small.close();
    const s = SqliteLogStorage.open(old);
    expect(s.appendBatch(testEntries(0, 3)).first).toBe(0);
    expect(s.readEntries(0, 3).map((e) => Buffer.from(e))).toEqual(testEntries(0, 3).map((e) => Buffer.from(e)));
    s.close();
    const reopened = new Database(join(old, 'log.db'), { readonly: true });
    expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
    reopened.close();
  });

  it('refuses a log.db written by a newer schema', () => {
    const dir = tmp();
    SqliteLogStorage.open(dir).close();
    const db = new Database(join(dir, 'log.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteLogStorage.open(dir)).toThrow(expect.objectContaining({ code: 'STORAGE_VERSION' }));
  });

  it('maps SQLite failures to coded errors', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'log.db'), 'this is not a database, but it is long enough to have a header'.repeat(100));
    expect(() => SqliteLogStorage.open(dir)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    expect(() => SqliteLogStorage.open(join(tmp(), 'missing'), { readonly: true })).toThrow(expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }));
  });

  it('serves readers opened read-only while a writer appends', () => {
    const dir = tmp();
    const w = SqliteLogStorage.open(dir);
    const r = SqliteLogStorage.open(dir, { readonly: true });
    w.appendBatch(testEntries(0, 5));
    expect(r.size()).toBe(5);
    expect(() => r.appendBatch(testEntries(5, 1))).toThrow(expect.objectContaining({ code: 'STORAGE_READONLY' }));
    w.close();
    r.close();
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { describeLogStorage } from './conformance.js';
import { testEntries } from './fixtures.js';

describeLogStorage('sqlite', (dir) => SqliteLogStorage.open(dir));

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

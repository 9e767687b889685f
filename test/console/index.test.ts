// The console index (src/http/console-index.ts) on a real SQLite log and a real
// SQLite index file: its answers equal a full scan of the log; it survives a
// restart; a stale, foreign, edited or truncated index is detected and rebuilt.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacValue } from '../../src/capture/pg/entries.js';
import { ConsoleIndex, entryRows } from '../../src/http/console-index.js';
import { findRecordAccesses } from '../../src/http/console-lookup.js';
import { personTimeline } from '../../src/http/console-timeline.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { readLogConfig, readLogVkey } from '../../src/log/appender-files.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';

const KEY = Buffer.alloc(32, 7);
const SQL = 'SELECT * FROM patients WHERE id = $1';
const SQL_SHA = createHash('sha256').update(SQL).digest('hex');
const PERSONS = ['ann', 'ben', 'cid'];
let root: string;
let dir: string;
let storage: SqliteLogStorage;
let open: ConsoleIndex[];

/** A proxied access to patient `id` by `person` (value as its HMAC tag), or an app access to customer `id`. */
function access(i: number, person: string, id: string): object {
  const time = new Date(Date.UTC(2026, 0, 1 + (i % 5), i % 24)).toISOString();
  return i % 2 === 0
    ? { v: 1, kind: 'access', time, source: 'pg-proxy', person, action: 'select', purpose: `case-${i % 3}`, relations: ['patients'], statement: { kind: 'select', text: SQL, sha256: SQL_SHA, values: [hmacValue(KEY, id)] } }
    : { v: 1, kind: 'access', time, source: 'app:crm', person, action: 'view', purpose: `case-${i % 3}`, resource: { type: 'customer', ids: [id] } };
}

async function makeLog(path: string, n: number, extra: object[] = []): Promise<void> {
  await initLog(path, { origin: `${path.slice(-8)}.example/log` });
  const a = await Appender.open(path, { writerThread: false });
  try {
    const batch: object[] = [];
    const base = a.storage.size();
    for (let i = 0; i < n; i++) {
      batch.push(access(i, PERSONS[i % 3]!, String(i % 7)));
      batch.push({ v: 1, kind: 'outcome', time: new Date(0).toISOString(), access: base + 2 * i, status: i % 5 === 0 ? 'error' : 'ok', durationMs: 1 });
    }
    await a.appendMany([...batch, ...extra]);
    await a.checkpoint();
  } finally {
    await a.close();
  }
}

const indexOf = (path: string, file = join(path, 'console-index.db')) => {
  const ix = ConsoleIndex.open(file, { storage, vkey: readLogVkey(path), origin: readLogConfig(path).origin, hmacKey: KEY });
  open.push(ix);
  return ix;
};

/** The oracle: a full scan of the log with the same per-entry rows. */
function scan(value: string): number[] {
  const tag = hmacValue(KEY, value);
  const dec = new TextDecoder();
  return storage.readEntries(0, storage.size()).flatMap((b, i) => (entryRows(dec.decode(b), KEY)?.tags.includes(tag) ? [i] : []));
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'ilog-console-index-'));
  dir = join(root, 'log');
  open = [];
  await makeLog(dir, 300, [{ v: 1, kind: 'access', time: new Date(0).toISOString(), source: 'console', person: 'ann', action: 'view', purpose: 'alert review', resource: { type: 'console', ids: ['/ui/api/alerts/5/evidence'] } }]);
  storage = SqliteLogStorage.open(dir);
});
afterEach(() => {
  for (const ix of open) ix.close();
  storage?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('console index', () => {
  it('answers look-ups exactly as a full scan of the log, with outcomes', () => {
    const ix = indexOf(dir);
    expect(ix.size).toBe(storage.size());
    expect(ix.status().rebuilt?.reason).toBe('new');
    expect(statSync(join(dir, 'console-index.db')).mode & 0o777).toBe(0o600);
    for (const v of ['0', '3', '6', 'nobody']) {
      const found = findRecordAccesses(ix, storage, KEY, v);
      expect(found.accesses.map((a) => a.index)).toEqual(scan(v));
      for (const a of found.accesses) expect(a.outcome).toBe(a.index + 1);
    }
    expect(scan('3').length).toBeGreaterThan(30);
    const some = findRecordAccesses(ix, storage, KEY, '0').accesses;
    expect(some.some((a) => a.source === 'app:crm') && some.some((a) => a.source === 'pg-proxy')).toBe(true);
    expect(some.filter((a) => a.status === 'error').length).toBeGreaterThan(0);
  });

  it('counts a timeline as the log does, and leaves out console views of alerts not shown', () => {
    const ix = indexOf(dir);
    const t = personTimeline(ix, storage, KEY, 'ann', [5]);
    const dec = new TextDecoder();
    const anns = storage.readEntries(0, storage.size()).map((b) => JSON.parse(dec.decode(b)) as { kind: string; person?: string; time: string }).filter((e) => e.kind === 'access' && e.person === 'ann');
    expect(t.total).toBe(anns.length);
    expect(t.days.reduce((s, d) => s + d[1], 0)).toBe(anns.length);
    expect(t.hours.reduce((s, h) => s + h, 0)).toBe(anns.length);
    expect(t.recent[0]).toBe(storage.size() - 1); // the console view, newest
    const hidden = personTimeline(ix, storage, KEY, 'ann', []);
    expect(hidden.total).toBe(anns.length - 1);
    expect(hidden.recent).not.toContain(storage.size() - 1);
    expect(hidden.tables).toEqual([['customer', 50], ['patients', 50]]);
  });

  it('keeps its rows across a restart and indexes only what a new signed checkpoint covers', async () => {
    indexOf(dir).close();
    const before = storage.size();
    const a = await Appender.open(dir, { writerThread: false });
    await a.appendMany([access(1, 'ben', 'late-1')]);
    const ix = indexOf(dir);
    expect(ix.status().rebuilt).toBeUndefined(); // reused, not rebuilt
    expect(ix.size).toBe(before); // the new entry has no checkpoint yet…
    expect(findRecordAccesses(ix, storage, KEY, 'late-1').accesses.map((x) => x.index)).toEqual([before]); // …and is found past the index
    await a.checkpoint();
    await a.close();
    expect(ix.sync()).toBe(before + 1);
    expect(findRecordAccesses(ix, storage, KEY, 'late-1').accesses.map((x) => x.index)).toEqual([before]);
  });

  it('indexes at most a bounded batch when asked, and the rest in the background', async () => {
    const ix = indexOf(dir);
    const at = ix.size;
    const a = await Appender.open(dir, { writerThread: false });
    await a.appendMany(Array.from({ length: 300 }, (_, i) => access(2 * i, 'ben', 'bulk')));
    await a.checkpoint();
    await a.close();
    expect(ix.sync(10)).toBe(at + 10); // a query indexes a bounded batch (65,536) before it answers
    expect(ix.size).toBeLessThan(storage.size());
    await ix.catchUp(); // the server's timer: a batch per event-loop turn
    expect(ix.size).toBe(storage.size());
    expect(findRecordAccesses(ix, storage, KEY, 'bulk').accesses.map((x) => x.index)).toEqual(scan('bulk'));
    expect(scan('bulk')).toHaveLength(300);
  });

  it('rebuilds when a row points at an entry that does not match (an edited index)', () => {
    const file = join(dir, 'console-index.db');
    indexOf(dir).close();
    const db = new Database(file);
    db.prepare('INSERT INTO tag (tag, idx) VALUES (?, ?)').run(hmacValue(KEY, '3'), 0); // entry 0 is patient 0
    db.close();
    const ix = indexOf(dir);
    expect(ix.status().rebuilt).toBeUndefined();
    expect(findRecordAccesses(ix, storage, KEY, '3').accesses.map((a) => a.index)).toEqual(scan('3'));
    expect(ix.status().rebuilt?.reason).toMatch(/points at entry 0/);
  });

  it('finds a deleted row by auditing against the log, then rebuilds', async () => {
    const file = join(dir, 'console-index.db');
    indexOf(dir).close();
    const db = new Database(file);
    const victim = scan('3')[4]!;
    expect(db.prepare('DELETE FROM tag WHERE idx = ?').run(victim).changes).toBe(1);
    db.close();
    const ix = indexOf(dir);
    expect(findRecordAccesses(ix, storage, KEY, '3').accesses.map((a) => a.index)).not.toContain(victim); // a query cannot see an omission
    const audit = await ix.audit();
    expect(audit).toMatchObject({ ok: false, size: storage.size() });
    expect(audit.reason).toMatch(/differ from the log/);
    expect(ix.status().rebuilt?.reason).toMatch(/^audit: /);
    expect(findRecordAccesses(ix, storage, KEY, '3').accesses.map((a) => a.index)).toEqual(scan('3'));
    expect((await ix.audit()).ok).toBe(true);
  });

  it('rebuilds an index of another log, one whose tree is not the signed one, and one past the log', async () => {
    const other = join(root, 'other');
    await makeLog(other, 10);
    const foreign = join(root, 'foreign.db');
    {
      const s = storage;
      storage = SqliteLogStorage.open(other);
      indexOf(other, foreign).close();
      storage.close();
      storage = s;
    }
    expect(indexOf(dir, foreign).status().rebuilt?.reason).toBe('the index is of another log');

    const file = join(dir, 'console-index.db');
    indexOf(dir).close();
    copyFileSync(file, join(root, 'good.db'));
    const db = new Database(file);
    db.prepare("UPDATE meta SET v = ? WHERE k = 'root'").run(Buffer.alloc(32, 1).toString('base64'));
    db.close();
    expect(indexOf(dir).status().rebuilt?.reason).toMatch(/not consistent with the signed log/);

    const past = new Database(join(root, 'good.db'));
    past.prepare("UPDATE meta SET v = ? WHERE k = 'size'").run(String(storage.size() + 5));
    past.close();
    expect(indexOf(dir, join(root, 'good.db')).status().rebuilt?.reason).toMatch(/covers \d+ entries, the log's newest checkpoint/);

    const rekeyed = ConsoleIndex.open(file, { storage, vkey: readLogVkey(dir), origin: readLogConfig(dir).origin, hmacKey: Buffer.alloc(32, 8) });
    open.push(rekeyed);
    expect(rekeyed.status().rebuilt?.reason).toBe('the index was made with another hmac.key');
  });
});

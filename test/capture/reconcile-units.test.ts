// The reconciler's parts without a server: csvlog splitting (attacker-chosen
// texts), pgAudit fields, the settings check, and gaps in the server log
// (truncated, removed files; missing lines of a backend) raised with their extent.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessIndex, backendKey } from '../../src/capture/pgaudit/access-index.js';
import { AuditMatcher } from '../../src/capture/pgaudit/audit-matcher.js';
import { splitCsvLine, splitCsvRecords } from '../../src/capture/pgaudit/csv-records.js';
import { parseServerLogRecord } from '../../src/capture/pgaudit/server-log-record.js';
import { ServerLogTail } from '../../src/capture/pgaudit/server-log-tail.js';
import { Reconciler } from '../../src/capture/pgaudit/reconciler.js';
import { settingProblems } from '../../src/capture/pgaudit/server-settings.js';
import { StatementViews } from '../../src/capture/pgaudit/statement-view.js';
import { loadParser } from '../../src/capture/pg/classify.js';
import { validateEntry } from '../../src/ledger/index.js';
import { reconcilerMetrics } from '../../src/export/component-metrics.js';
import { Metrics } from '../../src/export/metrics.js';
import { parsePrometheusText, sumOf } from '../helpers/prom-text.js';

const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** A csvlog line as PostgreSQL 15 writes it (26 columns). */
function csv(o: { pid?: number; session?: string; line: number; message: string; user?: string; from?: string; backend?: string; start?: string }): string {
  const f = ['2026-12-06 21:09:23.352 UTC', o.user ?? 'postgres', 'postgres', String(o.pid ?? 7211), o.from ?? '127.0.0.1:39478', o.session ?? '6b15cf03.1c2b', String(o.line), 'SELECT', o.start ?? '2026-12-06 21:09:23 UTC', '3/4', '0', 'LOG', '00000', q(o.message), '', '', '', '', '', '', '', '', 'psql', q(o.backend ?? 'client backend'), '', '0'];
  return f.join(',') + '\n';
}
const audit = (id: number, text: string, extra = 'READ,SELECT,,') => `AUDIT: SESSION,${id},1,${extra},${q(text)},<not logged>`;

describe('csvlog records', () => {
  it('splits quoted fields with commas, quotes and newlines, and leaves a torn tail', () => {
    const text = "select 'a,b', \"x\"\nfrom t";
    const one = csv({ line: 4, message: audit(1, text) });
    const buf = Buffer.from(one + one.slice(0, 40));
    const { records, consumed } = splitCsvRecords(buf);
    expect(records).toHaveLength(1);
    expect(consumed).toBe(Buffer.byteLength(one));
    const rec = parseServerLogRecord(records[0]!.fields, 0);
    expect(rec.audit).toMatchObject({ statement: 1, substatement: 1, class: 'READ', command: 'SELECT', text });
    expect(splitCsvLine('a,"b,""c""",d', 9)).toEqual(['a', 'b,"c"', 'd']);
  });

  it('refuses records of the wrong shape with a code', () => {
    expect(() => parseServerLogRecord(['a', 'b'], 0)).toThrow(expect.objectContaining({ code: 'SERVER_LOG_MALFORMED' }));
    const bad = csv({ line: 1, message: 'x' }).replace(',"x",', ',"x"junk,');
    expect(() => splitCsvRecords(Buffer.from(bad))).toThrow(expect.objectContaining({ code: 'SERVER_LOG_MALFORMED' }));
    const notNumber = splitCsvRecords(Buffer.from(csv({ line: 1, message: 'x' }).replace(',7211,', ',abc,'))).records[0]!;
    expect(() => parseServerLogRecord(notNumber.fields, 0)).toThrow(expect.objectContaining({ code: 'SERVER_LOG_MALFORMED' }));
  });
});

describe('server settings', () => {
  const good = { shared_preload_libraries: 'pgaudit', 'pgaudit.log': 'all', 'pgaudit.log_relation': 'on', logging_collector: 'on', log_destination: 'stderr,csvlog', log_connections: 'on', log_disconnections: 'on', log_truncate_on_rotation: 'off', log_timezone: 'Etc/UTC' };
  it.each([
    ['pgaudit not preloaded', { shared_preload_libraries: '' }, /shared_preload_libraries/],
    ['a class missing', { 'pgaudit.log': 'read,write' }, /pgaudit.log must be/],
    ['an exclusion', { 'pgaudit.log': 'all,-misc' }, /pgaudit.log must be/],
    ['no csvlog', { log_destination: 'stderr' }, /csvlog/],
    ['no relation logging', { 'pgaudit.log_relation': 'off' }, /log_relation/],
    ['no disconnections', { log_disconnections: 'off' }, /log_disconnections/],
    ['a local log time zone', { log_timezone: 'Europe/Berlin' }, /log_timezone/],
  ])('names what to set: %s', (_n, over, re) => {
    expect(settingProblems({ ...good, ...over }, [])).toEqual([expect.stringMatching(re)]);
  });
  it('accepts the documented settings and refuses per-role overrides', () => {
    expect(settingProblems(good, [])).toEqual([]);
    expect(settingProblems({ ...good, 'pgaudit.log': 'read, write, function, role, ddl, misc' }, [])).toEqual([]);
    expect(settingProblems(good, ['pgaudit.log=none'])).toEqual([expect.stringContaining('pgaudit.log=none')]);
  });
});

describe('gaps in the server log', () => {
  const setup = async () => {
    await loadParser();
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-gap-'));
    const index = new AccessIndex({ size: () => 0, readEntries: () => [] }, 0);
    const m = new AuditMatcher({ server: 'db', index, views: new StatementViews(Buffer.alloc(32, 1)) });
    const tail = new ServerLogTail(dir, undefined, 'start');
    const pump = () => {
      const c = tail.read();
      for (const g of c.gaps) m.gap(g, tail.position()!);
      for (const r of c.records) m.record(r.rec, r.pos);
      const out = m.take() as Record<string, any>[];
      for (const e of out) validateEntry(e);
      return out;
    };
    return { dir, pump, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };

  it("tells how far it is behind the server log's end (the reconciler lag metric), across rotation", async () => {
    const { dir, cleanup } = await setup();
    const a = join(dir, 'postgresql-2026-12-06_210000.csv');
    const b = join(dir, 'postgresql-2026-12-06_210100.csv');
    const one = csv({ line: 1, message: audit(1, 'select 1'), session: 's1' });
    writeFileSync(a, one + one);
    const tail = new ServerLogTail(dir, undefined, 'start');
    expect(tail.behind()).toBe(2 * one.length); // nothing read yet
    expect(new ServerLogTail(dir, undefined, 'end').behind()).toBe(0);
    expect(tail.read().records).toBeDefined();
    expect(tail.behind()).toBe(0);
    appendFileSync(a, one);
    writeFileSync(b, one + one);
    expect(tail.behind()).toBe(3 * one.length); // the rest of the current file and the newer one
    const m = new Metrics('unit');
    reconcilerMetrics(m, { server: 'db:5432', lagBytes: () => tail.behind(), records: 2 });
    const f = parsePrometheusText(await m.text());
    expect(sumOf(f, 'ilog_reconciler_lag_bytes', { server: 'db:5432' })).toBe(3 * one.length);
    expect(sumOf(f, 'ilog_reconciler_records_total')).toBe(2);
    rmSync(dir, { recursive: true, force: true });
    // An unreadable log directory gives no sample, not 0 (a reconciler that caught up).
    expect(parsePrometheusText(await m.text()).get('ilog_reconciler_lag_bytes')?.samples).toEqual([]);
    cleanup();
  });

  it("`from end` starts at the end as it was when the tail was made, not at its first read; with no file yet, the first file is read whole", async () => {
    const { dir, cleanup } = await setup();
    const a = join(dir, 'postgresql-2026-12-06_210000.csv');
    const line = (n: number) => csv({ line: n, message: audit(n, `select ${n}`), session: 's1' });
    writeFileSync(a, line(1));
    const tail = new ServerLogTail(dir, undefined, 'end');
    // Written before the first read (a reconciler loading its parser on a cold start): read.
    appendFileSync(a, line(2) + line(3));
    expect([...tail.read().records].map((r) => r.rec.audit?.text)).toEqual(['select 2', 'select 3']);
    const empty = mkdtempSync(join(tmpdir(), 'ilog-rec-empty-'));
    const fresh = new ServerLogTail(empty, undefined, 'end');
    writeFileSync(join(empty, 'postgresql-2026-12-06_210000.csv'), line(1) + line(2));
    expect([...fresh.read().records].map((r) => r.rec.audit?.text)).toEqual(['select 1', 'select 2']);
    rmSync(empty, { recursive: true, force: true });
    expect(() => new ServerLogTail(join(dir, 'missing'), undefined, 'end')).toThrow(expect.objectContaining({ code: 'SERVER_LOG_UNREADABLE' }));
    cleanup();
  });

  it('a file truncated under the reader, a file removed before it was read, and lines missing for a backend', async () => {
    const { dir, pump, cleanup } = await setup();
    const a = join(dir, 'postgresql-2026-12-06_210000.csv');
    writeFileSync(a, csv({ line: 1, message: 'connection authorized: user=postgres database=postgres', session: 's1' }) + csv({ line: 2, message: audit(1, 'select 1'), session: 's1' }));
    expect(pump().map((e) => e.reason)).toEqual(['unowned-backend']);
    // Truncated: what was written after the reader's position is gone.
    truncateSync(a, 10);
    expect(pump()).toEqual([expect.objectContaining({ reason: 'log-gap', missing: { file: 'postgresql-2026-12-06_210000.csv', bytes: expect.objectContaining({ from: 10 }) } })]);
    // A later file exists and this one disappears: the rest of it is a gap.
    writeFileSync(a, csv({ line: 3, message: audit(2, 'select 2'), session: 's1' }));
    const b = join(dir, 'postgresql-2026-12-06_210100.csv');
    writeFileSync(b, '');
    pump();
    rmSync(a);
    // Backend s1 goes on at line 9 in the new file: lines 4..8 are missing, and statement ids 3..4.
    appendFileSync(b, csv({ line: 9, message: audit(5, 'select 5'), session: 's1' }));
    const out = pump();
    expect(out.map((e) => e.reason).sort()).toEqual(['log-gap', 'log-gap', 'statement-gap', 'unowned-backend'].sort());
    expect(out.find((e) => e.missing?.lines)).toMatchObject({ missing: { lines: { from: 4, to: 8 } }, backend: { session: 's1' } });
    expect(out.find((e) => e.reason === 'statement-gap')).toMatchObject({ missing: { statements: { from: 3, to: 4 } } });
    cleanup();
  });

  it('a postmaster reload that changes pgaudit.log is raised with the server message', async () => {
    const { dir, pump, cleanup } = await setup();
    writeFileSync(join(dir, 'postgresql-2026-12-06_210000.csv'), csv({ line: 1, message: 'parameter "pgaudit.log" changed to "none"', backend: 'postmaster', from: '', session: 'pm' }) + csv({ line: 2, message: 'parameter "work_mem" changed to "8MB"', backend: 'postmaster', from: '', session: 'pm' }));
    expect(pump()).toEqual([expect.objectContaining({ reason: 'audit-settings', detail: 'parameter "pgaudit.log" changed to "none"' })]);
    cleanup();
  });
});

describe('matching a proxy backend', () => {
  it('matches in order past statements the server never ran, and raises one that matches no entry', async () => {
    await loadParser();
    const key = Buffer.alloc(32, 7);
    const views = new StatementViews(key);
    const t = Date.parse('2026-12-06T21:09:23.500Z');
    const entry = (seq: number, text: string) =>
      Buffer.from(JSON.stringify({ v: 1, kind: 'access', time: new Date(t + seq).toISOString(), source: 'pg-proxy', person: 'bob', action: 'select', relations: ['public.t'], upstream: { pid: 7211, port: 39478, seq, query: views.queryHmac(text) } }));
    // seq 2 failed to plan (no pgAudit id); seq 3 ran.
    const log = [entry(1, 'select * from t'), entry(2, 'select 1/0'), entry(3, 'select * from t where a = 1')];
    const index = new AccessIndex({ size: () => log.length, readEntries: (a, b) => log.slice(a, b) }, 0);
    index.refresh();
    const m = new AuditMatcher({ server: 'db', index, views });
    const pos = { file: 'f.csv', offset: 1 };
    const rec = (line: number, message: string) => parseServerLogRecord(splitCsvRecords(Buffer.from(csv({ line, message }))).records[0]!.fields, 0);
    m.record(rec(1, 'connection authorized: user=postgres database=postgres'), pos);
    m.record(rec(2, audit(1, 'select * from t', 'READ,SELECT,TABLE,public.t')), pos);
    m.record(rec(3, audit(2, 'select * from t where a = 1', 'READ,SELECT,TABLE,public.t')), pos);
    expect(m.take()).toEqual([]);
    m.record(rec(4, audit(3, "delete from t where name = 'x'", 'WRITE,DELETE,TABLE,public.t')), pos);
    const [e] = m.take() as Record<string, any>[];
    expect(validateEntry(e)).toBeTruthy();
    expect(e).toMatchObject({ reason: 'unmatched-statement', person: 'bob', count: 1, statements: [{ id: 3, command: 'DELETE', objects: ['public.t'] }] });
    expect(e!.statements[0].text).toBe('delete from t where name = $1');
  });
});

describe('access index queues', () => {
  const t0 = Date.parse('2026-12-06T21:00:00.000Z');
  const entry = (i: number, pid: number, seq: number, query: string) =>
    Buffer.from(JSON.stringify({ v: 1, kind: 'access', time: new Date(t0 + i).toISOString(), source: 'pg-proxy', person: 'bob', action: 'select', relations: [], upstream: { pid, port: 5000, seq, query } }));

  it('matches thousands of statements of one backend in order, across runs, skipping ones the server never ran', () => {
    const log: Buffer[] = [];
    // Run 1: 3,000 statements on pid 1 (every 7th never reached the executor); run 2 reuses pid 1.
    for (let s = 1; s <= 3000; s++) log.push(entry(log.length, 1, s, `q${s}`));
    for (let s = 1; s <= 5; s++) log.push(entry(log.length, 1, s, `r${s}`));
    const index = new AccessIndex({ size: () => log.length, readEntries: (a, b) => log.slice(a, b) }, 0);
    index.refresh();
    const key = backendKey(1, 5000);
    for (let s = 1; s <= 2998; s++) {
      if (s % 7 === 0) continue;
      const r = index.take(key, `q${s}`, t0);
      expect(r?.seq).toBe(s);
      expect(r?.index).toBe(s - 1);
    }
    // Nothing of run 1 matches again; a statement of run 2 is not taken while run 1's tail (2999, 3000) is queued.
    expect(index.take(key, 'q1', t0)).toBeUndefined();
    expect(index.take(key, 'q7', t0)).toBeUndefined();
    expect(index.take(key, 'r1', t0)).toBeUndefined();
    index.endRun(key);
    expect(index.lowWater()).toBe(3000);
    expect(index.take(key, 'r2', t0)?.index).toBe(3001);
    // Entries written before the backend started belong to an earlier connection.
    expect(index.take(key, 'r3', t0 + 3003)).toBeUndefined();
    expect(index.take(key, 'r4', t0 + 3003)?.index).toBe(3003);
    expect(index.take(key, 'r5', t0 + 3004)?.index).toBe(3004);
    expect(index.lowWater()).toBe(log.length);
  });
});

describe('a malformed record in the server log', () => {
  it('reports what came before it, saves the position at it, and stops there on every round', async () => {
    await loadParser();
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-bad-'));
    try {
      const logDir = join(dir, 'log');
      mkdirSync(logDir);
      const good = csv({ line: 1, message: 'connection authorized: user=postgres database=postgres', session: 's9' }) + csv({ line: 2, message: audit(1, 'select 1'), session: 's9' });
      const bad = '2026-12-06 21:09:24.000 UTC,only,three columns\n';
      writeFileSync(join(logDir, 'postgresql-2026-12-06_210000.csv'), good + bad + csv({ line: 3, message: audit(2, 'select 2'), session: 's9' }));
      const out: object[] = [];
      const cursorFile = join(dir, 'cursor.json');
      const r = new Reconciler({ server: 'db', logDirectory: logDir, cursorFile, hmacKey: Buffer.alloc(32, 3), log: { size: () => 0, readEntries: () => [] }, writer: { appendMany: async (es) => (out.push(...es), es.map((_, i) => i)) } });
      await expect(r.step()).rejects.toMatchObject({ code: 'SERVER_LOG_MALFORMED' });
      expect(out).toEqual([expect.objectContaining({ kind: 'bypass.detected', reason: 'unowned-backend' })]);
      expect(JSON.parse(readFileSync(cursorFile, 'utf8')).pos).toMatchObject({ offset: Buffer.byteLength(good) });
      for (let i = 0; i < 3; i++) await expect(r.step()).rejects.toMatchObject({ code: 'SERVER_LOG_MALFORMED' });
      expect(out).toHaveLength(1);
      expect(r.records).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('access index memory', () => {
  it('reads the log lazily: matching the first statements of a long backlog reads one chunk, not the backlog', () => {
    const t0 = Date.parse('2026-12-06T21:00:00.000Z');
    const log = Array.from({ length: 50_000 }, (_, i) => Buffer.from(JSON.stringify({ v: 1, kind: 'access', time: new Date(t0 + i).toISOString(), source: 'pg-proxy', person: 'bob', action: 'select', relations: [], upstream: { pid: 1 + (i % 10), port: 5000, seq: Math.floor(i / 10) + 1, query: `q${i}` } })));
    let readUpTo = 0;
    const index = new AccessIndex({ size: () => log.length, readEntries: (a, b) => ((readUpTo = Math.max(readUpTo, b)), log.slice(a, b)) }, 0);
    index.refresh();
    for (let i = 0; i < 100; i++) expect(index.take(backendKey(1 + (i % 10), 5000), `q${i}`, t0)?.index).toBe(i);
    expect(readUpTo).toBeLessThanOrEqual(4096);
    // A statement that matches nothing reads on to the end of what the server log covers, then gives up.
    expect(index.take(backendKey(1, 5000), 'never-sent', t0)).toBeUndefined();
    expect(readUpTo).toBe(log.length);
  });
});

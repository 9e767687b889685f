// The proxy's hot path builds access and outcome entries as canonical bytes
// directly (no zod, no canonicalize per statement). Over many random inputs
// those bytes must be exactly what encodeEntry gives for the same entry, and
// readable back by decodeEntry; whatever encodeEntry refuses, the hot path
// refuses too.
import { describe, expect, it } from 'vitest';
import { accessEntry, accessEntryBytes, hmacValue, outcomeEntry, outcomeEntryBytes, type SessionFacts, type StatementFacts, type StatementOutcome } from '../../src/capture/pg/entries.js';
import { decodeEntry, encodeEntry } from '../../src/ledger/index.js';

let seed = 7;
const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const PIECES = ['a', 'Z', ' ', '"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', 'ß', '中', '😀', '\u2028', '$1', "'", '/', '<', '\ufeff'];
const text = (max: number): string => Array.from({ length: rnd(max) }, () => pick(PIECES)).join('');
const KEY = Buffer.alloc(32, 3);
const SHAPES = ['SELECT abalance FROM pgbench_accounts WHERE aid = $1', 'SELECT $1', 'UPDATE t SET "é" = $1 WHERE id = $2', ''];

function session(): SessionFacts {
  return {
    person: pick(['alice', 'bob', 'Ærøskøbing', 'x'.repeat(200)]) + text(4),
    session: Math.random().toString(16).slice(2),
    role: pick(['postgres', 'analyst', 'r😀']),
    database: pick(['postgres', 'sales', 'dé']),
    client: pick([{}, { address: '127.0.0.1' }, { address: '::1', application: text(20) }, { application: '' }]),
  };
}

function statement(): StatementFacts {
  const long = rnd(5) === 0;
  // A long text whose cut falls inside a surrogate pair now and then.
  // Some texts come back (the hot path remembers their digests), as a statement shape's does.
  const normalized = long ? 'x'.repeat(4095 - rnd(2)) + '😀'.repeat(1 + rnd(3)) + text(50) : rnd(3) === 0 ? pick(SHAPES) : text(200);
  return {
    kind: pick(['SelectStmt', 'InsertStmt', 'FunctionCall', 'VariableSetStmt']),
    action: pick(['select', 'insert', 'update', 'delete', 'copy_in', 'copy_out', 'ddl', 'grant', 'other'] as const),
    relations: Array.from({ length: rnd(4) }, () => `public.${text(10) || 't'}`),
    normalized,
    values: Array.from({ length: rnd(5) === 0 ? 250 + rnd(20) : rnd(4) }, (_, i) => hmacValue(KEY, String(i))),
    ...(rnd(3) > 0 ? { purpose: text(30) } : {}),
    ...(rnd(3) === 0 ? { unresolved: Array.from({ length: 1 + rnd(2) }, () => text(8) || 'u') } : {}),
    ...(rnd(4) === 0 ? { body: { text: rnd(6) === 0 ? 'y'.repeat(4095) + '😀' + text(10) : text(100), opaque: rnd(2) === 0 } } : {}),
    ...(rnd(5) === 0 ? { byProxy: true } : {}),
    ...(rnd(2) === 0 ? { upstream: { pid: 1 + rnd(2 ** 31 - 1), ...(rnd(2) ? { port: rnd(65536) } : {}), seq: 1 + rnd(1e9), query: hmacValue(KEY, text(20)) } } : {}),
  };
}

function outcome(): StatementOutcome {
  return {
    status: pick(['ok', 'error'] as const),
    ...(rnd(2) ? { rows: rnd(1e5) } : {}),
    ...(rnd(2) ? { sqlstate: pick(['42P01', 'IL002', '00000']) } : {}),
    ...(rnd(2) ? { command: pick(['SELECT 1', 'INSERT 0 5', text(20)]) } : {}),
    durationMs: pick([0, Math.random() * 1000, 1e-7, 123456.789]),
  };
}

describe('canonical entries by construction', () => {
  it('access entries: same bytes as encodeEntry, over many random inputs', () => {
    // Sessions are reused: what the hot path keeps per session must fit every statement.
    const sessions = Array.from({ length: 50 }, session);
    for (let i = 0; i < 3000; i++) {
      const s = pick(sessions);
      const st = statement();
      // Half of them carry their own outcome (a statement overlapped with its entry).
      const o = rnd(2) ? outcome() : undefined;
      const bytes = Buffer.from(accessEntryBytes(s, st, o));
      const obj = JSON.parse(bytes.toString('utf8'));
      expect(Buffer.from(encodeEntry(obj)).equals(bytes)).toBe(true);
      expect(() => decodeEntry(bytes)).not.toThrow();
      expect(obj).toEqual(JSON.parse(JSON.stringify({ ...accessEntry(s, st, o), time: obj.time })));
    }
  });

  it('outcome entries: same bytes as encodeEntry, over many random inputs', () => {
    for (let i = 0; i < 3000; i++) {
      const o = { access: rnd(1e6), session: Math.random().toString(16).slice(2), ...outcome() };
      const bytes = Buffer.from(outcomeEntryBytes(o));
      const obj = JSON.parse(bytes.toString('utf8'));
      expect(Buffer.from(encodeEntry(obj)).equals(bytes)).toBe(true);
      expect(obj).toEqual({ ...outcomeEntry(o), time: obj.time });
    }
  });

  it('refuses what encodeEntry refuses', () => {
    const s = session();
    const lone = { ...statement(), purpose: 'a\ud800b' };
    expect(() => encodeEntry(accessEntry(s, lone))).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }));
    expect(() => accessEntryBytes(s, lone)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }));
    expect(() => accessEntryBytes({ ...s, person: '' }, statement())).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }));
    const bad = { access: 1, session: 'x', status: 'error' as const, sqlstate: 'bad!', durationMs: 1 };
    expect(() => outcomeEntryBytes(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }));
    const huge = { ...statement(), relations: Array.from({ length: 2000 }, (_, i) => `public.t${i}_${'x'.repeat(30)}`) };
    expect(() => accessEntryBytes(s, huge)).toThrow(expect.objectContaining({ code: 'ENTRY_TOO_LARGE' }));
  });
});

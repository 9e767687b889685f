// Entries: schema validation with field paths, RFC 8785 canonical bytes, size limit, registration.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseEntryShape, decodeEntry, encodeEntry, entryTime, genesisSchema, registerEntryKind, registeredEntryKinds,
} from '../../src/ledger/index.js';
import { isIlogError } from '../../src/ledger/errors.js';

function errorOf(run: () => unknown): { code: string; evidence?: Readonly<Record<string, unknown>> } | undefined {
  try {
    run();
  } catch (e) {
    if (isIlogError(e)) return { code: e.code, evidence: e.evidence };
    throw e;
  }
  return undefined;
}

const time = '2026-11-27T06:00:00.123Z';
const hex = 'ab'.repeat(32);
const access = {
  v: 1, kind: 'access', time, source: 'pg-proxy', person: 'alice', session: 's-1', role: 'app_rw', database: 'crm',
  client: { address: '127.0.0.1', application: 'psql' }, purpose: 'ticket 42', action: 'select', relations: ['public.patients'],
  statement: { kind: 'select', text: 'SELECT * FROM patients WHERE id = $1', sha256: hex, values: [hex] },
};
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('entries', () => {
  it('encodes canonically (sorted keys, no whitespace) and decodes back', () => {
    const bytes = encodeEntry({ ...access });
    const text = dec(bytes);
    expect(text.startsWith('{"action":"select","client":{"address":"127.0.0.1","application":"psql"},"database":"crm"')).toBe(true);
    expect(decodeEntry(bytes)).toEqual(access);
    // Key order of the input does not matter.
    const reversed = Object.fromEntries(Object.entries(access).reverse());
    expect(dec(encodeEntry(reversed))).toBe(text);
  });
  it('accepts genesis, outcome and app access entries', () => {
    for (const e of [
      { v: 1, kind: 'genesis', time, origin: 'log.example', logKey: 'log.example+01020304+AAAA' },
      { v: 1, kind: 'genesis', time, origin: 'o', logKey: 'k', admins: [{ name: 'a', vkey: 'a+1+x' }], quorum: 2 },
      { v: 1, kind: 'outcome', time, access: 7, status: 'ok', rows: 3, command: 'SELECT 3', durationMs: 1.5 },
      { v: 1, kind: 'outcome', time, access: 8, status: 'error', sqlstate: '42P01', durationMs: 0 },
      { v: 1, kind: 'access', time, source: 'app:crm', person: 'bob', action: 'view', resource: { type: 'customer', ids: ['42'] }, rows: 1 },
    ]) expect(decodeEntry(encodeEntry(e))).toEqual(e);
  });
  it('names the failing field path', () => {
    const cases: [unknown, string][] = [
      [{ ...access, person: '' }, 'person'],
      [{ ...access, person: undefined }, 'person'],
      [{ ...access, client: { address: 5 } }, 'client.address'],
      [{ ...access, relations: ['ok', 7] }, 'relations.1'],
      [{ ...access, statement: { ...access.statement, values: ['nothex'] } }, 'statement.values.0'],
      [{ ...access, source: 'psql' }, 'source'],
      [{ ...access, extra: 1 }, ''],
      [{ ...access, time: '2026-11-27T06:00:00Z' }, 'time'],
      [{ ...access, time: '2026-02-30T06:00:00.000Z' }, 'time'],
      [{ ...access, time: '2026-11-27T07:00:00.000+01:00' }, 'time'],
      [{ ...access, v: 2 }, 'v'],
      [{ ...access, kind: 'nonsense' }, 'kind'],
      [{ ...access, kind: 7 }, 'kind'],
      [{ v: 1, kind: 'outcome', time, access: -1, status: 'ok', durationMs: 1 }, 'access'],
      [{ v: 1, kind: 'outcome', time, access: 1, status: 'maybe', durationMs: 1 }, 'status'],
    ];
    for (const [obj, field] of cases) {
      const err = errorOf(() => encodeEntry(obj));
      expect(err?.code, JSON.stringify(obj)).toBe('INVALID_ENTRY');
      if (field !== '') expect(err?.evidence?.field, JSON.stringify(obj)).toBe(field);
      expect(typeof err?.evidence?.reason).toBe('string');
    }
    expect(errorOf(() => encodeEntry(null))?.code).toBe('INVALID_ENTRY');
    expect(errorOf(() => encodeEntry([1]))?.code).toBe('INVALID_ENTRY');
  });
  it('rejects entries over 65,535 bytes', () => {
    const big = { ...access, purpose: 'x'.repeat(65_536) };
    expect(errorOf(() => encodeEntry(big))?.code).toBe('ENTRY_TOO_LARGE');
    expect(errorOf(() => decodeEntry(new Uint8Array(65_536)))?.code).toBe('ENTRY_TOO_LARGE');
  });
  it('decode rejects invalid UTF-8, non-JSON, BOMs, duplicate keys and non-canonical bytes', () => {
    const canonical = dec(encodeEntry(access));
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(errorOf(() => decodeEntry(new Uint8Array([0x7b, 0xff, 0x7d])))?.code).toBe('INVALID_ENTRY');
    expect(errorOf(() => decodeEntry(enc('{"v":1')))?.code).toBe('INVALID_ENTRY');
    expect(errorOf(() => decodeEntry(enc(`\uFEFF${canonical}`)))?.code).toBe('INVALID_ENTRY');
    expect(errorOf(() => decodeEntry(enc(` ${canonical}`)))?.code).toBe('ENTRY_NOT_CANONICAL');
    expect(errorOf(() => decodeEntry(enc(canonical.replace('{"action":"select",', '{"action":"select","action":"select",'))))?.code).toBe('ENTRY_NOT_CANONICAL');
    expect(errorOf(() => decodeEntry(enc(JSON.stringify(access))))?.code).toBe('ENTRY_NOT_CANONICAL');
  });
  it('decides canonical form exactly as RFC 8785 does, escapes and integer-like keys included', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const head = `"kind":"lock.set","time":"${time}","v":1`;
    // Integer-like keys: RFC 8785 sorts "10" before "9" (V8 objects list "9" first).
    expect(decodeEntry(enc(`{"10":1,"9":2,${head}}`))).toMatchObject({ 10: 1, 9: 2 });
    expect(errorOf(() => decodeEntry(enc(`{"9":2,"10":1,${head}}`)))?.code).toBe('ENTRY_NOT_CANONICAL');
    // Control characters are escaped (\u001f), other characters are not (\u0041 is "A").
    const ctl = encodeEntry({ v: 1, kind: 'lock.set', time, note: 'a\u001fb\n' });
    expect(dec(ctl)).toContain('"a\\u001fb\\n"');
    expect(decodeEntry(ctl)).toMatchObject({ note: 'a\u001fb\n' });
    expect(errorOf(() => decodeEntry(enc(`{"a":"\\u0041",${head}}`)))?.code).toBe('ENTRY_NOT_CANONICAL');
    // Lone surrogates and out-of-range numbers have no RFC 8785 form: coded errors, never a crash.
    expect(errorOf(() => decodeEntry(enc(`{"a":"\\ud800",${head}}`)))?.code).toBe('ENTRY_NOT_CANONICAL');
    expect(errorOf(() => encodeEntry({ v: 1, kind: 'lock.set', time, a: '\ud800' }))?.code).toBe('INVALID_ENTRY');
    expect(errorOf(() => decodeEntry(enc(`{"a":1e400,${head}}`)))?.code).toBe('INVALID_ENTRY');
    // Numbers in their shortest ECMAScript form only.
    expect(errorOf(() => decodeEntry(enc(`{"a":1.0,${head}}`)))?.code).toBe('ENTRY_NOT_CANONICAL');
    expect(decodeEntry(enc(`{"a":1e+21,${head}}`))).toMatchObject({ a: 1e21 });
  });
  it('accepts other areas\' families permissively but typed, and registered kinds strictly', () => {
    const lock = { v: 1, kind: 'lock.set', time, person: 'mallory', by: { admin: 'a' } };
    expect(decodeEntry(encodeEntry(lock))).toEqual(lock);
    expect(errorOf(() => encodeEntry({ ...lock, time: 'yesterday' }))?.evidence?.field).toBe('time');
    registerEntryKind('alert.test_strict', z.strictObject({ ...baseEntryShape, kind: z.literal('alert.test_strict'), id: z.string() }));
    expect(errorOf(() => encodeEntry({ v: 1, kind: 'alert.test_strict', time, id: 5 }))?.evidence?.field).toBe('id');
    expect(dec(encodeEntry({ v: 1, kind: 'alert.test_strict', time, id: 'a1' }))).toBe(`{"id":"a1","kind":"alert.test_strict","time":"${time}","v":1}`);
    // Families for new prefixes, and replacing exact kinds only on purpose.
    registerEntryKind('metric.*', z.object(baseEntryShape).catchall(z.number()));
    expect(errorOf(() => encodeEntry({ v: 1, kind: 'metric.x', time, n: 'one' }))?.evidence?.field).toBe('n');
    expect(errorOf(() => registerEntryKind('genesis', genesisSchema.extend({ policy: z.string() })))?.code).toBe('ENTRY_KIND_EXISTS');
    registerEntryKind('genesis', genesisSchema.extend({ policy: z.string().optional() }), { replace: true });
    expect(errorOf(() => registerEntryKind('Bad Kind', genesisSchema))?.code).toBe('BAD_ENTRY_KIND');
    expect(registeredEntryKinds()).toContain('governance.*');
  });
  it('accepts exactly the times that Date gives back unchanged (calendar, leap years, 24:00, :60)', () => {
    const pad = (x: number, w: number): string => String(x).padStart(w, '0');
    for (const y of [0, 1900, 2000, 2024, 2026, 2100]) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          for (const [h, mi, sec] of [[0, 0, 0], [23, 59, 59], [24, 0, 0], [12, 60, 0], [12, 0, 60]]) {
            const t = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h!, 2)}:${pad(mi!, 2)}:${pad(sec!, 2)}.123Z`;
            const real = !Number.isNaN(Date.parse(t)) && new Date(t).toISOString() === t;
            expect(errorOf(() => encodeEntry({ v: 1, kind: 'lock.set', time: t }))?.code, t).toBe(real ? undefined : 'INVALID_ENTRY');
          }
        }
      }
    }
  });
  it('entryTime formats RFC 3339 UTC with milliseconds', () => {
    expect(entryTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
  });
});

// The batch API's fast path (access-bytes.ts) against the schema path
// (accessEntryFromRequest + encodeEntry): it must accept plain requests, never
// accept what the schemas refuse, and write exactly the same canonical bytes.
import { describe, expect, it } from 'vitest';
import { accessEntryBytes, utf8Many } from '../../src/capture/app/access-bytes.js';
import { accessEntryFromRequest, type AccessEntryOptions } from '../../src/capture/app/access-request.js';
import { decodeEntry, encodeEntry } from '../../src/ledger/entry.js';
import { rng } from '../helpers/rng.js';

const NOW = Date.parse('2026-11-27T09:00:00.000Z');
const opts: AccessEntryOptions = { app: 'crm', nowMs: NOW };

function schemaPath(body: unknown, o: AccessEntryOptions): Uint8Array | undefined {
  try {
    return encodeEntry(accessEntryFromRequest(body, o));
  } catch {
    return undefined;
  }
}

const STRINGS = ['agent7', ' padded ', '', '   ', 'é', 'naïve "quoted" \\ back', 'tab\tnew\nline', '😀 pair', '\ud800 lone', 'x'.repeat(256), 'x'.repeat(257), '\u2028sep', 'ctl\u0001', '日本語'];
const VALUES: unknown[] = [...STRINGS, 0, -0, 1, 42.5, -1, 2 ** 53, null, true, [], {}, ['a'], ['a', 'b']];

function plain(r: () => number, i: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const body: Record<string, unknown> = { actor: `agent${i}`, action: pick(['view', 'export', 'search', 'update.note']), resource: r() < 0.5 ? { type: 'customer', id: `c-${i}` } : { type: 'chart', ids: [`p-${i}`, `p-${i + 1}`] } };
  if (r() < 0.7) body.purpose = `ticket ${i}`;
  if (r() < 0.3) body.rows = Math.floor(r() * 1000);
  if (r() < 0.4) body.role = pick(['agent', 'nurse:oncology']);
  if (r() < 0.3) body.session = `s${i}`;
  if (r() < 0.5) body.client = r() < 0.5 ? { address: `10.0.0.${i % 250}` } : { address: '10.1.1.1', application: 'crm-web' };
  if (r() < 0.3) body.time = new Date(NOW - Math.floor(r() * 3_600_000)).toISOString();
  return body;
}

/** One random change: a field set to an odd value, added, or removed, at the top, in resource or in client. */
function mutate(r: () => number, body: Record<string, unknown>): Record<string, unknown> {
  const b = structuredClone(body);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const where = r();
  const target = (where < 0.6 ? b : where < 0.85 ? (b.resource as Record<string, unknown>) : ((b.client ??= {}) as Record<string, unknown>)) ?? b;
  const keys = [...Object.keys(target), 'extra', 'id', 'ids', 'address', 'application', 'time', 'rows', 'purpose', '__proto__'];
  const k = pick(keys);
  if (r() < 0.15) delete target[k];
  else Object.defineProperty(target, k, { value: k === 'time' ? pick(['2026-11-27T08:00:00Z', '2026-11-20T08:00:00Z', 'yesterday', '2026-11-27T08:00:00.123456789+01:00']) : pick(VALUES), enumerable: true, writable: true, configurable: true });
  return b;
}

describe('the batch API fast path (access-bytes.ts)', () => {
  it('accepts plain requests and writes the same canonical bytes as the schema path', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const body = plain(r, i);
      const fast = accessEntryBytes(body, opts);
      expect(fast, JSON.stringify(body)).toBeDefined();
      expect(Buffer.from(fast!).toString()).toBe(Buffer.from(schemaPath(body, opts)!).toString());
      expect(decodeEntry(fast!)).toMatchObject({ kind: 'access', source: 'app:crm' }); // canonical and valid, as the log reads it
    }
  });

  it('never accepts what the schemas refuse, nor encodes a mutated request differently', () => {
    const r = rng(2);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 20000; i++) {
      const body = mutate(r, plain(r, i));
      const o = r() < 0.2 ? { ...opts, backfill: true } : opts;
      const fast = accessEntryBytes(body, o);
      const slow = schemaPath(body, o);
      if (fast === undefined) {
        refused++;
        continue;
      }
      accepted++;
      expect(slow, JSON.stringify(body)).toBeDefined();
      expect(Buffer.from(fast).toString()).toBe(Buffer.from(slow!).toString());
    }
    // Both kinds occur, so the comparison above was exercised both ways.
    expect(accepted).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(2000);
  });

  it('leaves the cases it does not handle to the schema path (which names the error)', () => {
    expect(accessEntryBytes({ actor: 'a', action: 'view', resource: { type: 't', id: 'x' }, extra: 1 }, opts)).toBeUndefined();
    expect(accessEntryBytes({ actor: 'a\ud800', action: 'view', resource: { type: 't', id: 'x' } }, opts)).toBeUndefined();
    expect(accessEntryBytes({ actor: 'a', action: 'view', resource: { type: 't', id: 'x' }, time: '2026-11-01T00:00:00Z' }, opts)).toBeUndefined();
    expect(accessEntryBytes({ actor: 'a', action: 'view', resource: { type: 't', id: 'x' } }, { ...opts, app: 'has space' })).toBeUndefined();
    const old = accessEntryBytes({ actor: 'a', action: 'view', resource: { type: 't', id: 'x' }, time: '2026-11-01T00:00:00Z' }, { ...opts, backfill: true });
    expect(decodeEntry(old!)).toMatchObject({ accessedAt: '2026-11-01T00:00:00.000Z', time: new Date(NOW).toISOString() });
  });

  it('utf8Many encodes a batch as each text alone would be, ASCII or not', () => {
    for (const texts of [['{"a":1}', '', '{"b":"x"}'], ['{"a":"é"}', '{"b":"😀"}', 'plain'], []]) {
      expect(utf8Many(texts).map((b) => Buffer.from(b).toString())).toEqual(texts);
      expect(utf8Many(texts).map((b) => b.byteLength)).toEqual(texts.map((t) => Buffer.byteLength(t)));
    }
  });
});

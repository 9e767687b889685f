// The jsonl fast path (jsonl-writer.ts, entry-scan.ts) writes the same bytes as the
// general path (record.ts + syslog.ts), framed or one per line, and declines every
// entry whose header fields it cannot copy as they are, or whose bytes could end the
// `entry` value early (a second "index" in the record).
import { describe, expect, it } from 'vitest';
import { BatchBuffer } from '../../src/export/batch-buffer.js';
import { render, startExport } from '../../src/export/exporter.js';
import { JsonlWriter } from '../../src/export/jsonl-writer.js';
import { exportRecord } from '../../src/export/record.js';
import { syslogMessage, type Sink } from '../../src/export/syslog.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { leafHashes } from '../../src/ledger/hash.js';

const ORIGIN = 'test.example/"export" é]';
const T = '2026-12-07T03:00:00.000Z';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const alert = (severity: string): object => ({ v: 1, kind: 'alert.raised', time: T, finding: 'watchlist:1', rule: 'watchlist', subject: 'alice', alsoConcerns: [], severity, score: 92, reasons: ['r'], entries: [1], group: 'privacy', route: 'rule', recipients: ['dana', 'erik'] });

// [name, entry bytes, whether the fast path takes it]
const cases: [string, Uint8Array, boolean][] = [
  ['canonical access entry', encodeEntry({ v: 1, kind: 'access', time: T, source: 'pg-proxy', person: 'p1', client: { address: '10.0.0.1' }, action: 'select', relations: ['public.patients'], statement: { kind: 'SelectStmt', text: 'SELECT "a" FROM t WHERE x = $1 é', sha256: 'a'.repeat(64), values: [] }, purpose: 'T-1 😀' }), true],
  ['high alert', encodeEntry(alert('high')), true],
  ['medium alert', encodeEntry(alert('medium')), true],
  ['low alert', encodeEntry(alert('low')), true],
  ['alert without a severity', enc(`{"kind":"alert.raised","time":"${T}","v":1}`), true],
  ['alert with a numeric severity', enc(`{"kind":"alert.raised","severity":4,"time":"${T}","v":1}`), true],
  ['bypass', encodeEntry({ v: 1, kind: 'bypass.detected', time: T, reason: 'unowned-backend', server: 'db:5432', user: 'postgres', count: 1, log: { file: 'x.csv', offset: 0 } }), true],
  ['lock', encodeEntry({ v: 1, kind: 'lock.set', time: T, person: 'alice', reason: 'left' }), true],
  ['integer-like keys', enc(`{"10":1,"9":[2,{"kind":"x"}],"kind":"note","time":"${T}","v":1}`), true],
  ['JSON whitespace spanning lines', enc(`{"kind":"note",\n"time":"${T}","v":1}`), false],
  ['invalid UTF-8 inside a string', Uint8Array.from([...enc(`{"kind":"note","time":"${T}","x":"`), 0xff, ...enc('","v":1}')]), false],
  ['an escaped member name that JSON.parse reads as kind', enc(`{"k\\u0069nd":"other","kind":"note","time":"${T}","v":1}`), false],
  ['kind twice', enc(`{"kind":"note","kind":"other","time":"${T}","v":1}`), false],
  ['a time with a space', enc(`{"kind":"note","time":"2026-12-07 03:00","v":1}`), false],
  ['a kind with an escape', enc(`{"kind":"no\\"te","time":"${T}","v":1}`), false],
  ['a non-ASCII kind', enc(`{"kind":"nøte","time":"${T}","v":1}`), false],
  ['a kind longer than a MSGID', enc(`{"kind":"${'k'.repeat(33)}","time":"${T}","v":1}`), false],
  ['an empty time', enc(`{"kind":"note","time":"","v":1}`), false],
  ['no time', enc(`{"kind":"note","v":1}`), false],
];

/** The general path's bytes for one record (what the exporter wrote before the fast path). */
function general(bytes: Uint8Array, index: number, syslog: boolean): Buffer {
  const r = exportRecord(ORIGIN, index, bytes);
  const body = render(r, 'jsonl');
  if (!syslog) return Buffer.from(body + '\n');
  const msg = syslogMessage(r, body);
  return Buffer.from(`${Buffer.byteLength(msg)} ${msg}`);
}

describe('jsonl fast path', () => {
  it.each(cases)('%s', (_name, bytes, fast) => {
    const hashes = leafHashes([bytes]);
    for (const syslog of [true, false]) {
      const out = new BatchBuffer(16);
      const taken = new JsonlWriter(ORIGIN, syslog).write(out, 1234567, Buffer.from(bytes), hashes, 0);
      expect(taken).toBe(fast);
      if (taken) expect(out.result().toString('latin1')).toBe(general(bytes, 1234567, syslog).toString('latin1'));
      else expect(out.result().length).toBe(0);
    }
  });

  it('declines bytes that would end the entry value early (a forged index), which JSON.parse refuses too', () => {
    for (const s of [`{"kind":"x","time":"${T}"},"index":5,"y":{"a":1}`, `{"kind":"x","time":"${T}"}}`, `{"kind":"x","time":"${T}","a":"}`, `{"kind":"x","time":"${T}","a":"\\"}`]) {
      expect(new JsonlWriter(ORIGIN, true).write(new BatchBuffer(16), 0, Buffer.from(s), new Uint8Array(32), 0)).toBe(false);
      expect(() => JSON.parse(s)).toThrow();
    }
  });

  it('an export mixing taken and declined entries writes every record as the general path does', async () => {
    const entries = cases.map((c) => c[1]);
    for (const syslog of [true, false]) {
      const chunks: Buffer[] = [];
      const sink: Sink = { write: (c) => (chunks.push(Buffer.from(c)), 0), flushed: () => Promise.resolve(), close: () => Promise.resolve() };
      const reader = { size: () => entries.length, readEntries: (from: number, to: number) => entries.slice(from, to) };
      await startExport({ reader, origin: ORIGIN, format: 'jsonl', syslog, sink, follow: false, batch: 5 }).done;
      expect(chunks.length).toBe(Math.ceil(entries.length / 5));
      expect(Buffer.concat(chunks).toString('latin1')).toBe(Buffer.concat(entries.map((e, i) => general(e, i, syslog))).toString('latin1'));
    }
  });
});

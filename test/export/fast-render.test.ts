// The OCSF and CEF renderings written as text directly (ocsf-text.ts; cef.ts cefParts,
// whose entry bytes the exporter escapes as it copies them) must be byte for byte what
// the general path writes: JSON.stringify(toOcsf(r)) with the stored entry spliced in
// (ocsf.ts ocsfSplice), and for CEF the field table this file keeps from before the
// change (oldCef). Compared over generated entries of every kind the mapping handles,
// with odd values in every field (quotes, backslashes, control characters, unicode,
// CEF separators, the splice mark, prototype names, wrong types, missing fields), one
// record at a time and through the exporter (syslog-framed and one per line).
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { cefParts, toCef } from '../../src/export/cef.js';
import { render, startExport } from '../../src/export/exporter.js';
import { mappingOf, ocsfSplice, toOcsf } from '../../src/export/ocsf.js';
import { ocsfParts } from '../../src/export/ocsf-text.js';
import { exportRecord, type ExportRecord, type RenderedParts } from '../../src/export/record.js';
import { syslogMessage, type Sink } from '../../src/export/syslog.js';
import { rng } from '../helpers/rng.js';

const ORIGIN = 'test.example/"export" é]=\\';
const T = '2026-12-07T03:00:00.000Z';

const ODD_STRINGS = ['', 'plain', 'quo"te', 'back\\slash', 'ctl\u0001\u001f\u007f', 'nl\nline\r\nx\r', 'tab\tx', 'unicode é 😀 \u2028\u2029', '=eq|pipe\\|', '\u0000ilog-entry\u0000', 'constructor', 'toString', '__proto__', '$1 = $2', ']"\\', 'x\\=y=\\'];
const ODD_VALUES: unknown[] = [...ODD_STRINGS, undefined, null, 0, -1.5, 1e21, true, false, [], ['a', 1, null], { a: 'b"c' }];

function entries(): Uint8Array[] {
  const rand = rng(15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  /** A usual value most of the time, an odd one otherwise. */
  const mostly = (usual: unknown, oddShare = 0.3): unknown => (rand() < oddShare ? pick(ODD_VALUES) : usual);
  const kinds = ['access', 'access', 'access', 'outcome', 'genesis', 'governance.proposal', 'alert.delivery', 'node.started', 'access.objects', 'note é', '', 'alert.raised', 'alert.closed', 'alert.ack', 'alert.suppressed', 'bypass.detected', 'lock.set', 'lock.lifted', 'lockdown.set', 'user.add', 'user.password', 'constructor'];
  const actions = ['select', 'copy_out', 'view', 'export', 'insert', 'copy_in', 'update', 'delete', 'ddl', 'other'];
  const out: Uint8Array[] = [];
  for (let i = 0; i < 1500; i++) {
    const kind = pick(kinds);
    const e: Record<string, unknown> = { v: 1, kind, time: mostly(T, 0.1) };
    const set = (k: string, v: unknown): void => void (v !== undefined && (e[k] = v));
    set('source', mostly(pick(['pg-proxy', 'app:crm'])));
    set('person', mostly(`p${i % 7}`));
    set('action', mostly(pick(actions)));
    if (rand() < 0.8) set('relations', mostly(rand() < 0.2 ? [] : ['public.patients', pick(ODD_STRINGS)].slice(0, 1 + Math.floor(rand() * 2))));
    if (rand() < 0.7) set('database', mostly('clinic'));
    if (rand() < 0.7) set('role', mostly('app'));
    if (rand() < 0.5) set('session', mostly('ab12'));
    if (rand() < 0.8) set('client', rand() < 0.2 ? pick(ODD_VALUES) : { address: mostly('10.0.0.1'), application: mostly('psql') });
    if (rand() < 0.7) set('purpose', mostly('TICKET-1'));
    if (rand() < 0.7) set('statement', rand() < 0.2 ? pick(ODD_VALUES) : { kind: 'SelectStmt', text: mostly('SELECT * FROM t WHERE id = $1'), sha256: mostly('a'.repeat(64)), values: ['b'.repeat(64)] });
    if (rand() < 0.3) set('resource', rand() < 0.3 ? pick(ODD_VALUES) : { type: mostly('customer'), ids: ['42'] });
    if (rand() < 0.2) set('accessedAt', mostly(T));
    if (rand() < 0.4) set('severity', mostly(pick(['low', 'medium', 'high', 'critical', 'info'])));
    if (rand() < 0.3) set('reason', mostly('left'));
    for (const k of ['subject', 'by', 'rule', 'score', 'reasons', 'alert', 'detail', 'server', 'user', 'about']) if (rand() < 0.2) set(k, mostly(k === 'score' ? 91.6 : k === 'reasons' ? ['r1'] : k === 'alert' ? 3 : 'x'));
    // Canonical bytes mostly; some as JSON.stringify writes them (insertion order, integer-like keys first), spaced or spanning lines.
    const form = rand();
    const text = form < 0.7 ? canonicalize(e)! : form < 0.8 ? JSON.stringify({ 10: 1, 9: 2, ...e }) : form < 0.9 ? JSON.stringify(e, null, '\t').replace(/\n/g, ' ') : JSON.stringify(e, null, 1);
    out.push(new TextEncoder().encode(text));
  }
  return out;
}

const hashOf = (i: number): string => i.toString(16).padStart(64, 'f');
const join = (r: ExportRecord, [head, entry, tail]: RenderedParts): string => (entry === undefined ? head : head + r.text! + tail);

/** toCef as it was before the CEF fast path (a field table, filtered, mapped, joined): the oracle. */
function oldCef(r: ExportRecord): string {
  const header = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
  const ext = (v: string): string => v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\r|\n/g, '\\n');
  const e = r.entry;
  const sev: Record<string, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };
  const severity = e.kind === 'bypass.detected' ? 9 : typeof e.severity === 'string' && Object.hasOwn(sev, e.severity) ? sev[e.severity]! : e.kind.startsWith('lock') ? 5 : 1;
  const name = e.kind === 'access' ? `${String(e.action)} by ${String(e.person)}` : e.kind === 'alert.raised' ? `alert ${String(e.rule)}: ${String(e.subject)}` : e.kind === 'bypass.detected' ? `bypass ${String(e.reason)}` : e.kind;
  const fields: [string, unknown][] = [
    ['rt', Date.parse(e.time)],
    ['cs1Label', 'logIndex'],
    ['cs1', r.index],
    ['cs2Label', 'leafHash'],
    ['cs2', r.leafHash],
    ['cs3Label', 'origin'],
    ['cs3', r.origin],
    ['suser', e.person ?? e.subject ?? e.by],
    ['duser', e.role],
    ['src', (e.client as { address?: string } | undefined)?.address],
    ['app', e.source],
    ['act', e.action ?? e.reason],
    ['cs4Label', 'purpose'],
    ['cs4', e.purpose],
    ['cs5Label', 'relations'],
    ['cs5', Array.isArray(e.relations) ? (e.relations as string[]).join(',') : undefined],
    ['cs6Label', 'entry'],
    ['cs6', r.text ?? JSON.stringify(e)],
  ];
  const extension = fields
    .filter(([k, v], i) => v !== undefined && v !== null && !(k.endsWith('Label') && (fields[i + 1]![1] === undefined || fields[i + 1]![1] === null)))
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
  return `CEF:0|ilog|ilog|0.1.0|${header(e.kind)}|${header(name)}|${severity}|${extension}`;
}

const ENTRIES = entries();

describe('OCSF and CEF written directly: the same bytes as the general path', () => {
  it('OCSF, record by record: the direct text equals JSON.stringify(toOcsf(r)) with the entry spliced', () => {
    let direct = 0;
    ENTRIES.forEach((bytes, i) => {
      const r = exportRecord(ORIGIN, i * 7919, bytes, hashOf(i));
      const fast = ocsfParts(r);
      const general = ocsfSplice(r);
      expect(join(r, fast), `entry ${i}: ${r.text ?? ''}`).toBe(join(r, general));
      // The general path itself is the object form (integer-like keys aside, the stored text is verbatim).
      expect(JSON.parse(join(r, general))).toEqual(JSON.parse(JSON.stringify(toOcsf(r))));
      if (r.bytes !== undefined && ['access', 'base'].includes(mappingOf(r.entry.kind))) direct++;
    });
    // The comparison is not vacuous: most records took the direct path.
    expect(direct).toBeGreaterThan(600);
  });

  it('CEF, record by record: the same line as the field table before the change', () => {
    let escaped = 0;
    ENTRIES.forEach((bytes, i) => {
      const r = exportRecord(ORIGIN, i * 7919, bytes, hashOf(i));
      expect(toCef(r), `entry ${i}: ${r.text ?? ''}`).toBe(oldCef(r));
      expect(render(r, 'cef')).toBe(oldCef(r));
      if (cefParts(r)[3]) escaped++;
    });
    expect(escaped).toBeGreaterThan(1000);
  });

  it('through the exporter, framed and one per line, each format writes what the general path renders', async () => {
    for (const format of ['ocsf', 'cef'] as const) {
      for (const syslog of [true, false]) {
        const chunks: Buffer[] = [];
        const sink: Sink = { write: (c) => (chunks.push(Buffer.from(c)), 0), flushed: () => Promise.resolve(), close: () => Promise.resolve() };
        const reader = { size: () => ENTRIES.length, readEntries: (from: number, to: number) => ENTRIES.slice(from, to) };
        await startExport({ reader, origin: ORIGIN, format, syslog, sink, follow: false, batch: 97 }).done;
        const expected = ENTRIES.map((bytes, i) => {
          const r = exportRecord(ORIGIN, i, bytes);
          const body = format === 'cef' ? oldCef(r) : join(r, ocsfSplice(r));
          if (!syslog) return body + '\n';
          const msg = syslogMessage(r, body);
          return `${Buffer.byteLength(msg)} ${msg}`;
        });
        expect(Buffer.concat(chunks).toString('utf8'), `${format} syslog=${syslog}`).toBe(expected.join(''));
      }
    }
  });

  it('an action, severity or kind named after an Object.prototype member maps like any unknown one', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const bytes = new TextEncoder().encode(canonicalize({ v: 1, kind: 'access', time: T, source: 'pg-proxy', person: 'p', action: name, severity: name })!);
      const r = exportRecord(ORIGIN, 1, bytes, hashOf(1));
      expect(toOcsf(r)).toMatchObject({ activity_id: 99, activity_name: 'Other', type_uid: 600599 });
      expect(toCef(r)).toMatch(/^CEF:0\|ilog\|ilog\|[^|]+\|access\|[^|]+\|1\|/);
      const lock = exportRecord(ORIGIN, 2, new TextEncoder().encode(`{"kind":"${name}","time":"${T}","v":1}`), hashOf(2));
      expect(toOcsf(lock)).toMatchObject({ class_uid: 0, activity_id: 99 });
    }
  });
});

// The exporter writes each entry's stored bytes into its jsonl and OCSF renderings
// instead of re-serialising the parsed entry (exporter.ts, record.ts): the result
// must be the same JSON as the object forms, carry the stored text verbatim, and
// fall back to re-serialising whenever the stored bytes could break a line or UTF-8.
import { describe, expect, it } from 'vitest';
import { render } from '../../src/export/exporter.js';
import { toOcsf } from '../../src/export/ocsf.js';
import { exportRecord, toJsonl } from '../../src/export/record.js';
import { encodeEntry } from '../../src/ledger/entry.js';

const ORIGIN = 'test.example/"export"';
const access = encodeEntry({ v: 1, kind: 'access', time: '2026-12-07T03:00:00.000Z', source: 'pg-proxy', person: 'p1', action: 'select', relations: ['public.patients'], purpose: 'T-1 \u0000ilog-entry\u0000 é 😀' });
const cases: [string, Uint8Array, boolean][] = [
  ['canonical access entry (its purpose holds the OCSF splice mark)', access, true],
  ['integer-like keys (JSON.parse reorders them)', new TextEncoder().encode('{"10":1,"9":2,"kind":"note","time":"2026-12-07T03:00:00.000Z","v":1}'), true],
  ['JSON whitespace spanning lines', new TextEncoder().encode('{"kind":"note",\n"time":"2026-12-07T03:00:00.000Z","v":1}'), false],
  ['invalid UTF-8 inside a string', Uint8Array.from([...new TextEncoder().encode('{"kind":"note","time":"2026-12-07T03:00:00.000Z","x":"'), 0xff, ...new TextEncoder().encode('","v":1}')]), false],
];

describe('export renderings with the stored entry bytes', () => {
  it.each(cases)('%s', (_name, bytes, verbatim) => {
    const r = exportRecord(ORIGIN, 7, bytes);
    expect(r.bytes !== undefined).toBe(verbatim);
    const jsonl = render(r, 'jsonl');
    const ocsf = render(r, 'ocsf');
    for (const line of [jsonl, ocsf, render(r, 'cef')]) expect(line).not.toMatch(/[\r\n]/);
    expect(JSON.parse(jsonl)).toEqual(JSON.parse(toJsonl(r)));
    expect(JSON.parse(ocsf)).toEqual(JSON.parse(JSON.stringify(toOcsf(r))));
    // Verbatim: the stored text itself (for integer-like keys, in an order JSON.parse would not keep).
    const stored = Buffer.from(bytes).toString('utf8');
    if (verbatim) expect([jsonl.includes(stored), ocsf.includes(stored)]).toEqual([true, true]);
  });
});

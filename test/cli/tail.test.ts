// `ilog tail`: control characters from entries never reach the terminal raw,
// and -n N past one storage page (65,536 entries) still ends at the newest entry.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeControls, formatEntry } from '../../src/cli/tail-format.js';
import { Appender } from '../../src/log/appender.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { accessEntry, buildLog, removeDir, tempDir } from '../verify/build-log.js';

const bytes = (e: unknown): Uint8Array => Buffer.from(JSON.stringify(e));
// Anything a terminal would act on: C0, DEL, C1 (CSI 0x9b), bidi overrides and isolates, line separators.
const RAW = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('tail format escapes control characters', () => {
  it('escapes newline, ESC, BEL, C1, DEL and bidi overrides, and doubles backslashes', () => {
    expect(escapeControls('a\nb')).toBe('a\\nb');
    expect(escapeControls('\u001b[31mred\u0007')).toBe('\\x1b[31mred\\x07');
    expect(escapeControls('\u009b2J\u007f')).toBe('\\x9b2J\\x7f');
    expect(escapeControls('abc\u202eexe.txt\u2066x\u2069')).toBe('abc\\u202eexe.txt\\u2066x\\u2069');
    expect(escapeControls('\\n is not a newline')).toBe('\\\\n is not a newline');
    expect(escapeControls('plain text, ünïcode ✓')).toBe('plain text, ünïcode ✓');
  });

  it('a purpose with a newline cannot print a fake log line', () => {
    const e = { ...accessEntry(1), purpose: 'care\n#99  2026-01-01T00:00:00.000Z  access        mallory view x\u001b]0;pwned\u0007' };
    const line = formatEntry(5, bytes(e));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toMatch(RAW);
    expect(line).toContain('purpose="care\\n#99');
    expect(line).toContain('\\x1b]0;pwned\\x07');
  });

  it('escapes every field of a kind it does not know, the kind itself and the SQL text', () => {
    const e = { v: 1, kind: 'odd\u001b[2J', time: 't\r', note: 'x\u2028y\u0085z', person: 'p' };
    const line = formatEntry(1, bytes(e));
    expect(line).not.toMatch(RAW);
    expect(line).toContain('odd\\x1b[2J');
    expect(line).toContain('note=x\\u2028y\\x85z');
    const sql = { ...accessEntry(2), statement: { text: 'SELECT 1\n  FROM t -- \u001b[1A' } };
    const l2 = formatEntry(2, bytes(sql));
    expect(l2).not.toMatch(RAW);
    expect(l2).toContain('"SELECT 1 FROM t -- \\x1b[1A"');
  });
});

describe('ilog tail', { timeout: 300_000 }, () => {
  let work: string;
  let dir: string;
  const COUNT = 70_000; // more than one storage page of 65,536

  beforeAll(async () => {
    work = tempDir('ilog-tail-');
    dir = await buildLog(COUNT, 2, join(work, 'log'));
    const appender = await Appender.open(dir);
    try {
      await appender.appendMany([{ ...accessEntry(COUNT), purpose: 'x\n#1  fake line\u001b[2J\u0007' }]);
    } finally {
      await appender.close();
    }
  });

  afterAll(() => removeDir(work));

  it('-n N with N > 65,536 returns the newest N entries', async () => {
    const size = COUNT + 2; // genesis + COUNT + the hostile one
    const n = 66_000;
    const r = await runCli(['tail', '-n', String(n), '--json'], { dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const entries = jsonOf(r).entries as { index: number }[];
    expect(entries).toHaveLength(n);
    expect(entries[0]!.index).toBe(size - n);
    expect(entries.at(-1)!.index).toBe(size - 1);
    entries.forEach((e, i) => expect(e.index).toBe(size - n + i));
  });

  it('prints one line per entry with nothing raw for the terminal', async () => {
    const r = await runCli(['tail', '-n', '3'], { dir });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(3);
    expect(out[2]).toMatch(/^#70001 /);
    for (const l of out) expect(l).not.toMatch(RAW);
    expect(out[2]).toContain('x\\n#1  fake line\\x1b[2J\\x07');
  });
});

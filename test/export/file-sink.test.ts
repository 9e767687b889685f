// The --out file and its cursor (file-sink.ts, cursor.ts): bytes beyond the length the
// cursor vouches for (a batch whose cursor move a kill prevented) are cut on open; a
// file shorter than that, or a cursor of another file or of no file, is refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportCursor } from '../../src/export/cursor.js';
import { openFileSink } from '../../src/export/file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'ilog-file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const code = (f: () => unknown): Promise<string | undefined> =>
  Promise.resolve()
    .then(f)
    .then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );

describe('export file sink', () => {
  it('a new cursor starts at the end of an existing file and is on disk before the first write', async () => {
    const out = join(dir, 'a.jsonl');
    writeFileSync(out, 'earlier\n');
    const cursor = ExportCursor.open(join(dir, 'a.cursor'), 'o', 'jsonl', 5, out);
    const sink = await openFileSink(out, cursor);
    expect(JSON.parse(readFileSync(join(dir, 'a.cursor'), 'utf8'))).toMatchObject({ next: 5, out, bytes: 8 });
    sink.write(Buffer.from('r5\nr6\n'));
    await sink.flushed();
    await cursor.settle(7, sink.length!());
    await sink.close();
    expect(readFileSync(out, 'utf8')).toBe('earlier\nr5\nr6\n');
    expect(JSON.parse(readFileSync(join(dir, 'a.cursor'), 'utf8'))).toMatchObject({ next: 7, bytes: 14 });
  });

  it('bytes beyond the cursor (a batch written, the cursor not moved) are cut on open, and writing resumes there', async () => {
    const out = join(dir, 'b.jsonl');
    const cursor = ExportCursor.open(join(dir, 'b.cursor'), 'o', 'jsonl', 0, out);
    const first = await openFileSink(out, cursor);
    first.write(Buffer.from('r0\nr1\n'));
    await first.flushed();
    await cursor.settle(2, first.length!());
    first.write(Buffer.from('r2\nr')); // killed here: written, cursor not moved
    await first.flushed();
    await first.close();
    const again = ExportCursor.open(join(dir, 'b.cursor'), 'o', 'jsonl', undefined, out);
    expect(again.next).toBe(2);
    const second = await openFileSink(out, again);
    expect(readFileSync(out, 'utf8')).toBe('r0\nr1\n');
    second.write(Buffer.from('r2\nr3\n'));
    await second.flushed();
    await second.close();
    expect(readFileSync(out, 'utf8')).toBe('r0\nr1\nr2\nr3\n');
  });

  it('refuses a file shorter than its cursor, and a cursor of another file or of no file', async () => {
    const out = join(dir, 'c.jsonl');
    const path = join(dir, 'c.cursor');
    const cursor = ExportCursor.open(path, 'o', 'jsonl', 0, out);
    const sink = await openFileSink(out, cursor);
    sink.write(Buffer.from('r0\nr1\n'));
    await sink.flushed();
    await cursor.settle(2, sink.length!());
    await sink.close();
    writeFileSync(out, 'r0\n');
    expect(await code(() => openFileSink(out, ExportCursor.open(path, 'o', 'jsonl', undefined, out)))).toBe('EXPORT_CURSOR_MISMATCH');
    expect(await code(() => ExportCursor.open(path, 'o', 'jsonl', undefined, join(dir, 'other.jsonl')))).toBe('EXPORT_CURSOR_MISMATCH');
    expect(await code(() => ExportCursor.open(path, 'o', 'jsonl'))).toBe('EXPORT_CURSOR_MISMATCH');
    writeFileSync(path, JSON.stringify({ v: 1, origin: 'o', format: 'jsonl', next: 2, out }));
    expect(await code(() => ExportCursor.open(path, 'o', 'jsonl', undefined, out))).toBe('BAD_CURSOR');
  });
});

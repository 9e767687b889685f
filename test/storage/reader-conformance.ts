// The read side of the LogStorage conformance suite, for read-only sources (a
// static tiles directory, a log served over HTTP): `publish` exposes a
// reference log (SQLite, filled and signed here) through the source under
// test, and every read must answer exactly as the reference does.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { EMPTY_ROOT } from '../../src/ledger/hash.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { TILE_WIDTH } from '../../src/ledger/tiles.js';
import type { LogReader } from '../../src/storage/log-reader.js';
import type { LogStorage } from '../../src/storage/log-storage.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { codeOfAsync } from '../helpers/codes.js';
import { integrationTo, testEntries } from './fixtures.js';

/** Exposes `reference` (with its latest checkpoint) through the source under test. */
export type Publish = (reference: LogStorage, dir: string) => Promise<{ reader: LogReader; stop?: () => Promise<void> }>;

export function describeLogReader(name: string, publish: Publish): void {
  describe(`LogReader conformance: ${name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    const open = async (size: number): Promise<{ ref: LogStorage; reader: LogReader }> => {
      const dir = mkdtempSync(join(tmpdir(), 'ilog-reader-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      const ref = SqliteLogStorage.open(join(dir, 'log'));
      cleanup.push(async () => ref.close());
      if (size > 0) {
        ref.appendBatch(testEntries(0, size));
        ref.integrate(integrationTo(ref, size));
        const key = generateKey('example.com/reader-conformance');
        const tree = ref.treeState();
        ref.addCheckpoint(size, signNote(formatCheckpoint({ origin: 'example.com/reader-conformance', size, root: tree.root, extensions: [] }), signerFromKey(key.skey)));
      }
      const { reader, stop } = await publish(ref, join(dir, 'published'));
      cleanup.push(async () => reader.close());
      if (stop) cleanup.push(stop);
      return { ref, reader };
    };

    it('shows an empty log before the first checkpoint', async () => {
      const { reader } = await open(0);
      expect(await reader.size()).toBe(0);
      expect(Buffer.from((await reader.treeState()).root)).toEqual(Buffer.from(EMPTY_ROOT));
      expect(await reader.readEntries(0, 10)).toEqual([]);
      expect(await reader.readTile(0, 0, 1)).toBeUndefined();
      expect(await reader.latestCheckpoint()).toBeUndefined();
      expect(await reader.checkpoints()).toEqual([]);
    });

    it('answers every read as the reference log does', async () => {
      const n = 2 * TILE_WIDTH + 40;
      const { ref, reader } = await open(n);
      expect(await reader.size()).toBe(n);
      expect(Buffer.from((await reader.treeState()).root)).toEqual(Buffer.from(ref.treeState().root));
      expect(await reader.latestCheckpoint()).toBe(ref.latestCheckpoint());
      expect((await reader.checkpoints()).at(-1)).toEqual(ref.checkpoints().at(-1));
      const asBuffers = (xs: Uint8Array[]): Buffer[] => xs.map((x) => Buffer.from(x));
      for (const [from, to, limit] of [[0, n, undefined], [250, 300, undefined], [500, 10_000, undefined], [10, 400, 7], [n, n + 5, undefined]] as const) {
        expect(asBuffers(await reader.readEntries(from, to, limit)), `${from}..${to}`).toEqual(asBuffers(ref.readEntries(from, to, limit)));
      }
      for (const [level, index, width] of [[0, 0, 256], [0, 1, 100], [0, 2, 40], [0, 2, 12], [1, 0, 2], [0, 2, 41], [0, 3, 1], [1, 0, 3]] as const) {
        const want = ref.readTile(level, index, width);
        const got = await reader.readTile(level, index, width);
        expect(got === undefined ? undefined : Buffer.from(got), `tile ${level}/${index}/${width}`).toEqual(want === undefined ? undefined : Buffer.from(want));
      }
      for (const [index, width] of [[0, 256], [2, 40], [3, 1]] as const) {
        const want = ref.readEntryBundle(index, width);
        const got = await reader.readEntryBundle(index, width);
        expect(got === undefined ? undefined : Buffer.from(got), `bundle ${index}/${width}`).toEqual(want === undefined ? undefined : Buffer.from(want));
      }
    });

    it('refuses bad ranges and tile coordinates with coded errors', async () => {
      const { reader } = await open(5);
      expect(await codeOfAsync(() => reader.readEntries(-1, 3))).toBe('BAD_RANGE');
      expect(await codeOfAsync(() => reader.readTile(64, 0))).toBe('BAD_TILE_LEVEL');
      expect(await codeOfAsync(() => reader.readTile(0, 0, 257))).toBe('BAD_TILE_WIDTH');
      expect(await codeOfAsync(() => reader.readEntryBundle(0, 0))).toBe('BAD_TILE_WIDTH');
      expect(await codeOfAsync(() => reader.checkpoints(-1))).toBe('BAD_RANGE');
    });
  });
}

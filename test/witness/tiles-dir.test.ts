// The static tiles directory (src/storage/tiles-dir): exact tlog-tiles paths,
// the checkpoint as commit point, and its read-only LogStorage view.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leafHash } from '../../src/ledger/hash.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import { encodeBundle } from '../../src/ledger/tiles.js';
import { TilesDir } from '../../src/storage/tiles-dir/tiles-dir.js';
import { TilesDirStorage } from '../../src/storage/tiles-dir/tiles-dir-storage.js';
import { TestLog, entriesFor } from './fixtures.js';
import { codeOf as code } from '../helpers/codes.js';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ilog-tilesdir-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));


describe('TilesDir', () => {
  it('writes tiles and bundles at the spec paths, atomically (no temp files left), checkpoint last', async () => {
    const dir = TilesDir.open(tmp);
    const entries = entriesFor(0, 300);
    const up = TileBuilder.empty().append(entries.map(leafHash));
    await dir.writeTiles([
      { level: 'entries', index: 0, width: 256, data: encodeBundle(entries.slice(0, 256)) },
      { level: 'entries', index: 1, width: 44, data: encodeBundle(entries.slice(256)) },
      ...up.tiles,
    ]);
    expect(dir.checkpoint()).toBeUndefined();
    const log = new TestLog();
    dir.writeCheckpoint(log.checkpoint(0));
    for (const p of ['tile/entries/000', 'tile/entries/001.p/44', 'tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1', 'checkpoint']) {
      expect(existsSync(join(tmp, p)), p).toBe(true);
    }
    const all = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(d, e.name)) : [e.name]));
    expect(all(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => TilesDir.open(join(tmp, 'nope'), { mustExist: true })).toThrow();
  });
});

describe('TilesDirStorage (read-only LogStorage view)', () => {
  it('serves entries, tiles (prefixes of full tiles too) and the checkpoint; has no write methods at all', async () => {
    const log = new TestLog();
    log.grow(300);
    const dir = TilesDir.open(tmp);
    const up = TileBuilder.empty().append(log.entries.map(leafHash));
    await dir.writeTiles([
      { level: 'entries', index: 0, width: 256, data: encodeBundle(log.entries.slice(0, 256)) },
      { level: 'entries', index: 1, width: 44, data: encodeBundle(log.entries.slice(256)) },
      ...up.tiles,
    ]);
    dir.writeCheckpoint(log.checkpoint(300));
    const s = new TilesDirStorage(tmp);
    expect(s.size()).toBe(300);
    expect(Buffer.from(s.treeState().root).equals(Buffer.from(log.tree.root()))).toBe(true);
    expect(s.readEntries(250, 260).map((e) => Buffer.from(e).toString())).toEqual(log.entries.slice(250, 260).map((e) => Buffer.from(e).toString()));
    expect(s.readTile(0, 0, 10)?.byteLength).toBe(320);
    expect(s.latestCheckpoint()).toBe(log.checkpoint(300));
    expect('appendBatch' in s).toBe(false);
    expect(code(() => s.readEntries(-1, 3))).toBe('BAD_RANGE');
  });
});

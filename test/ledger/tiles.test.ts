// tlog-tiles v0.1.0 paths, bundles, tile geometry, and TileBuilder against a naive recomputation.
import { describe, expect, it } from 'vitest';
import {
  decodeBundle, encodeBundle, entriesPath, leafHash, MemoryTree, parseTilePath, partialTiles, TileBuilder, tileNodes,
  tilePath, toHex, buildTiles, type BuiltTile, type TileReader,
} from '../../src/ledger/index.js';
import { codeOf } from '../helpers/codes.js';
import { readTestdataJson } from '../helpers/testdata.js';


const vectors = readTestdataJson('c2sp', 'vectors.json') as {
  tilePathExamples: { level?: number; entries?: boolean; index: number; width: number; path: string }[];
};

describe('tile paths', () => {
  it('C2SP examples', () => {
    for (const ex of vectors.tilePathExamples) {
      const path = ex.entries ? entriesPath(ex.index, ex.width) : tilePath(ex.level as number, ex.index, ex.width);
      expect(path).toBe(ex.path);
      expect(parseTilePath(ex.path)).toEqual({ level: ex.entries ? 'entries' : ex.level, index: ex.index, ...(ex.width < 256 ? { width: ex.width } : {}) });
    }
  });
  it('round-trips many indices', () => {
    for (const index of [0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1_234_067, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      for (const width of [undefined, 1, 255]) {
        expect(parseTilePath(tilePath(3, index, width))).toEqual({ level: 3, index, ...(width ? { width } : {}) });
        expect(parseTilePath(entriesPath(index, width))).toEqual({ level: 'entries', index, ...(width ? { width } : {}) });
      }
    }
    expect(entriesPath(1067)).toBe('tile/entries/x001/067');
  });
  it('rejects non-canonical and malformed paths', () => {
    for (const bad of [
      'tile/0/5', 'tile/0/0005', 'tile/00/005', 'tile/01/005', 'tile/64/000', 'tile/0/x000/005', 'tile/0/001/234',
      'tile/0/x001/x234/067.p/0', 'tile/0/x001/x234/067.p/256', 'tile/0/067.p/08', 'tile/0/067.p/', 'tile/0/067.p',
      'tile/entries/x01/000', '/tile/0/000', 'tile/0/000/', 'tile/-1/000', 'tile/entrie/000', 'tile/0/x999/x999/x999/x999/x999/x999/999',
      'tile/0/000.p/1/', 'tile/0/00a', '', 'tile/0/x001',
    ]) expect(codeOf(() => parseTilePath(bad)), bad).toBe('BAD_TILE_PATH');
    expect(codeOf(() => tilePath(64, 0))).toBe('BAD_TILE_LEVEL');
    expect(codeOf(() => tilePath(0, -1))).toBe('BAD_TILE_INDEX');
    expect(codeOf(() => tilePath(0, 0, 0))).toBe('BAD_TILE_WIDTH');
    expect(codeOf(() => entriesPath(1.5))).toBe('BAD_TILE_INDEX');
  });
  it('geometry of the spec example (size 70,000) and size 256', () => {
    expect(partialTiles(70_000)).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(partialTiles(256)).toEqual([{ level: 1, index: 0, width: 1 }]);
    expect(partialTiles(0)).toEqual([]);
  });
});

describe('entry bundles', () => {
  it('round-trips, including empty and 65,535-byte entries', () => {
    const entries = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(65535).fill(7)];
    const b = encodeBundle(entries);
    expect([...b.subarray(0, 2)]).toEqual([0, 0]);
    expect([...b.subarray(2, 4)]).toEqual([0, 3]);
    expect(decodeBundle(b, 3)).toEqual(entries);
  });
  it('rejects oversize and malformed input with codes', () => {
    expect(codeOf(() => encodeBundle([new Uint8Array(65536)]))).toBe('ENTRY_TOO_LARGE');
    expect(codeOf(() => encodeBundle(Array.from({ length: 257 }, () => new Uint8Array(1))))).toBe('BUNDLE_TOO_LARGE');
    expect(codeOf(() => decodeBundle(new Uint8Array([0])))).toBe('BAD_BUNDLE');
    expect(codeOf(() => decodeBundle(new Uint8Array([0, 5, 1, 2])))).toBe('BAD_BUNDLE');
    expect(codeOf(() => decodeBundle(encodeBundle([new Uint8Array(1)]), 2))).toBe('BAD_BUNDLE');
    expect(codeOf(() => decodeBundle(new Uint8Array(2 * 257)))).toBe('BAD_BUNDLE');
    expect(decodeBundle(new Uint8Array(0))).toEqual([]);
  });
  it('splits hash tiles', () => {
    expect(tileNodes(new Uint8Array(64)).length).toBe(2);
    expect(codeOf(() => tileNodes(new Uint8Array(33)))).toBe('BAD_TILE');
    expect(codeOf(() => tileNodes(new Uint8Array(0)))).toBe('BAD_TILE');
  });
});

/** The tile (level, index, width) computed from scratch: hash i = node at tree level 8*level, index index*256+i. */
function naiveTile(mem: MemoryTree, t: { level: number; index: number; width: number }): string {
  const parts: string[] = [];
  for (let i = 0; i < t.width; i++) parts.push(toHex(mem.nodes(8 * t.level, t.index * 256 + i)));
  return parts.join('');
}

function leaves(from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = from; i < to; i++) out.push(leafHash(new TextEncoder().encode(`leaf ${i}`)));
  return out;
}

describe('TileBuilder', () => {
  const total = 65_536 + 300;
  const all = leaves(0, total);
  const mem = new MemoryTree();
  all.forEach((h) => mem.appendLeafHash(h));

  /** Run a sequence of appends through a persisted tile store, reopening the builder each time. */
  function runBatches(boundaries: number[]): void {
    const store = new Map<string, Uint8Array>();
    const read: TileReader = (l, i, w) => store.get(tilePath(l, i, w));
    let size = 0;
    for (const next of boundaries) {
      const update = buildTiles(size, read, all.slice(size, next));
      expect(update.size).toBe(next);
      expect(toHex(update.root), `root at ${next}`).toBe(toHex(mem.root(next)));
      for (const t of update.tiles) {
        expect(toHex(t.data), `tile ${tilePath(t.level, t.index, t.width)} at size ${next}`).toBe(naiveTile(mem, t));
        store.set(tilePath(t.level, t.index, t.width), t.data);
      }
      // Every tile a reader of this size needs is now present and correct.
      for (const p of partialTiles(next)) expect(store.has(tilePath(p.level, p.index, p.width)), `partial ${JSON.stringify(p)}`).toBe(true);
      size = next;
    }
  }

  it('matches naive recomputation for every size 0..600 one leaf at a time', () => {
    runBatches(Array.from({ length: 600 }, (_, i) => i + 1));
  });
  it('batch boundaries at 255/256/257, 511/512/513 and 65,535/65,536/65,537', () => {
    runBatches([255, 256, 257, 511, 512, 513, 65_535, 65_536, 65_537, total]);
    runBatches([256, 65_536]);
    runBatches([1, 65_537]);
    runBatches([total]);
  });
  it('emits each full tile once and the partial tiles that changed', () => {
    const b = TileBuilder.empty();
    const u1 = b.append(all.slice(0, 300));
    expect(u1.tiles.map((t: BuiltTile) => tilePath(t.level, t.index, t.width))).toEqual(['tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1']);
    const u2 = b.append(all.slice(300, 301));
    expect(u2.tiles.map((t) => tilePath(t.level, t.index, t.width))).toEqual(['tile/0/001.p/45']);
    expect(b.append([]).tiles).toEqual([]);
    // A concatenated buffer of hashes is accepted too.
    const concat = Buffer.concat(all.slice(301, 600));
    expect(toHex(b.append(concat).root)).toBe(toHex(mem.root(600)));
  });
  it('rejects a missing or wrong-length right-edge tile and bad hashes', () => {
    expect(codeOf(() => TileBuilder.open(300, () => undefined))).toBe('TILE_MISSING');
    expect(codeOf(() => TileBuilder.open(300, () => new Uint8Array(32)))).toBe('BAD_TILE');
    expect(codeOf(() => TileBuilder.empty().append([new Uint8Array(31)]))).toBe('BAD_HASH');
    expect(codeOf(() => TileBuilder.open(-1, () => undefined))).toBe('BAD_TREE_SIZE');
  });
});

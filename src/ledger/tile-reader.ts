// A NodeReader over tlog-tiles v0.1.0 hash tiles: node (level ℓ, index i) lives in
// the tile at level ⌊ℓ/8⌋, at inner level ℓ mod 8 of that tile's 8-level subtree.
// Inner levels are not stored in tiles, so they are recomputed once per tile
// (TileTree) and kept in a small LRU cache: a proof touches ≤ 2 tiles per level.

import { IlogError } from './errors.js';
import type { NodeReader } from './merkle.js';
import { TileTree } from './tile-tree.js';
import type { TileReader } from './tile-builder.js';
import { HASH_SIZE } from './hash.js';
import { tileFor, TILE_HEIGHT } from './tiles.js';
import { FifoMap } from './fifo-map.js';

export interface TileNodeReaderOptions {
  /** Tiles kept in memory (default 256, ~16 KiB each). */
  cacheSize?: number;
}

/** NodeReader for a tree of `size` whose tiles `readTile` returns (full tiles, and the right-edge partials of `size`). */
export function tileNodeReader(size: number, readTile: TileReader, opts: TileNodeReaderOptions = {}): NodeReader {
  const cacheSize = opts.cacheSize ?? 256;
  const cache = new FifoMap<string, TileTree>();
  const load = (level: number, index: number, width: number): TileTree => {
    const key = `${level}/${index}/${width}`;
    let t = cache.get(key);
    if (t) {
      cache.delete(key); // refresh LRU position
    } else {
      const data = readTile(level, index, width);
      if (data === undefined) throw new IlogError('TILE_MISSING', 'a tile needed for this proof is missing', { level, index, width });
      if (data.byteLength !== width * HASH_SIZE) throw new IlogError('BAD_TILE', 'tile has the wrong length', { level, index, width, length: data.byteLength });
      t = TileTree.fromTile(data);
      if (cache.size >= cacheSize) cache.deleteOldest();
    }
    cache.set(key, t);
    return t;
  };
  return (level, index) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const inner = level % TILE_HEIGHT;
    const pos = index * 2 ** inner; // first tile-level hash under this node
    const ref = tileFor(size, tileLevel, pos);
    const tile = load(ref.level, ref.index, ref.width);
    return tile.node(inner, (pos % 256) / 2 ** inner);
  };
}

// The recomputed tree above level-0 tiles, for `ilog verify`. Workers return
// each full level-0 tile's root; fed into a TileBuilder those roots are the
// leaves of a tree whose tiles are exactly the log's tiles one level up (tile
// geometry is the same at every level), so real level = builder level + 1.
// Kept in memory: every tile at level >= 1 (1/256 of the leaf hashes), the few
// level-0 tiles asked for, and the right-edge nodes below level 8 of each tree
// size of interest — enough for the root and proofs at those sizes.
import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';
import type { NodeReader } from '../ledger/merkle.js';
import { TileBuilder, type BuiltTile } from '../ledger/tile-builder.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import { partialTiles, TILE_HEIGHT, TILE_WIDTH, type TileRef } from '../ledger/tiles.js';
import type { EdgeNode } from './verify-leaves.js';

export class RecomputedTree {
  readonly #builder = TileBuilder.empty();
  /** `${level}/${index}` → tile bytes at its latest width (levels >= 1, and kept level-0 tiles). */
  readonly #tiles = new Map<string, Uint8Array>();
  readonly #edges = new Map<string, Uint8Array>();

  /** Adds the roots of consecutive full level-0 tiles; returns the full tiles (level >= 1) completed. */
  addTileRoots(roots: Uint8Array): BuiltTile[] {
    if (roots.byteLength === 0) return [];
    const { tiles } = this.#builder.append(roots);
    const full: BuiltTile[] = [];
    for (const t of tiles) {
      const real = { ...t, level: t.level + 1 };
      this.#tiles.set(`${real.level}/${real.index}`, t.data);
      if (t.width === TILE_WIDTH) full.push(real);
    }
    return full;
  }

  keepLeafTile(index: number, hashes: Uint8Array): void {
    this.#tiles.set(`0/${index}`, hashes);
  }

  addEdges(edges: readonly EdgeNode[]): void {
    for (const [level, index, hash] of edges) this.#edges.set(`${level}/${index}`, hash);
  }

  /** The recomputed tile (level >= 1, or a kept level-0 tile) at `width`, if known. */
  tile(level: number, index: number, width: number): Uint8Array | undefined {
    const t = this.#tiles.get(`${level}/${index}`);
    return t && t.byteLength >= width * HASH_SIZE ? t.subarray(0, width * HASH_SIZE) : undefined;
  }

  /** Right-edge tiles at levels >= 1 of a tree of `size` (to compare with the stored partial tiles). */
  upperPartials(size: number): (TileRef & { data: Uint8Array })[] {
    return partialTiles(size)
      .filter((r) => r.level >= 1)
      .map((r) => {
        const data = this.tile(r.level, r.index, r.width);
        if (!data) throw new IlogError('INTERNAL', 'recomputed tree lacks a tile it should have', { ...r });
        return { ...r, data };
      });
  }

  /** Node reader for a tree of `size` (<= the leaves added so far). */
  nodes(size: number): NodeReader {
    const tiles = tileNodeReader(size, (level, index, width) => this.tile(level, index, width));
    return (level, index) => (level < TILE_HEIGHT ? this.#edges.get(`${level}/${index}`) : undefined) ?? tiles(level, index);
  }
}

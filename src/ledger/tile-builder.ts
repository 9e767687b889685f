// Incremental construction of tlog-tiles v0.1.0 hash tiles. Given a tree of
// `size` leaves (only its right-edge partial tiles are needed: everything to
// their left is immutable) and new leaf hashes, produce every tile that changed
// (full tiles completed on the way, and the final partial tile of each level
// that grew) and the new RFC 6962 root. Each Merkle node is hashed exactly once
// (see TileTree), so building N leaves costs about N node hashes in total.
// Pure: the caller reads and writes tiles (storage integrator, `ilog verify`).

import { IlogError } from './errors.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import { TileTree } from './tile-tree.js';
import { partialTiles, TILE_WIDTH, type TileRef } from './tiles.js';

/** Returns the bytes of the tile (level, index) of the given width (1..256), or undefined if absent. */
export type TileReader = (level: number, index: number, width: number) => Uint8Array | undefined;

export interface BuiltTile extends TileRef {
  /** width*32 bytes. */
  data: Uint8Array;
}

export interface TileUpdate {
  size: number;
  root: Uint8Array;
  /** Changed tiles, in the order they were completed; at most one partial tile per level, last. */
  tiles: BuiltTile[];
}

interface Level {
  index: number;
  tree: TileTree;
  changed: boolean;
}

export class TileBuilder {
  #size: number;
  readonly #levels: Level[] = [];

  private constructor(size: number) {
    this.#size = size;
  }

  /** Start from an existing tree: reads its right-edge partial tiles (at most one per level). */
  static open(size: number, readTile: TileReader): TileBuilder {
    if (!Number.isSafeInteger(size) || size < 0) throw new IlogError('BAD_TREE_SIZE', 'tree size must be a non-negative safe integer', { size });
    const b = new TileBuilder(size);
    for (const ref of partialTiles(size)) {
      const data = readTile(ref.level, ref.index, ref.width);
      if (data === undefined) throw new IlogError('TILE_MISSING', 'a right-edge partial tile is missing; re-integrate from the entries', { ...ref });
      if (data.byteLength !== ref.width * HASH_SIZE) {
        throw new IlogError('BAD_TILE', 'partial tile has the wrong length', { ...ref, length: data.byteLength });
      }
      b.#levelAt(ref.level).tree = TileTree.fromTile(data);
    }
    // Every level (including those whose partial tile is empty) continues at the tile after its full ones.
    b.#levels.forEach((l, level) => (l.index = Math.floor(size / TILE_WIDTH ** (level + 1))));
    return b;
  }

  /** An empty tree. */
  static empty(): TileBuilder {
    return new TileBuilder(0);
  }

  get size(): number {
    return this.#size;
  }

  /** A level that does not exist yet has had no hash at all, so it starts at tile 0. */
  #levelAt(level: number): Level {
    while (this.#levels.length <= level) this.#levels.push({ index: 0, tree: new TileTree(), changed: false });
    return this.#levels[level] as Level;
  }

  /**
   * Append leaf hashes: an array of 32-byte hashes, or one buffer of concatenated hashes
   * (the cheaper form for bulk verification). Returns the tiles that changed and the new root.
   */
  append(leafHashes: readonly Uint8Array[] | Uint8Array): TileUpdate {
    const out: BuiltTile[] = [];
    const hashes = leafHashes instanceof Uint8Array ? leafHashes : joinHashes(leafHashes);
    if (hashes.byteLength % HASH_SIZE !== 0) throw new IlogError('BAD_HASH', 'leaf hashes must be 32 bytes each', { length: hashes.byteLength });
    this.#pushHashes(0, hashes, out);
    for (let level = 0; level < this.#levels.length; level++) {
      const l = this.#levels[level] as Level;
      if (l.changed && l.tree.width > 0) out.push({ level, index: l.index, width: l.tree.width, data: l.tree.bytes() });
      l.changed = false;
    }
    return { size: this.#size, root: this.root(), tiles: out };
  }

  /** Fill the current tile of `level` a run at a time; each tile that fills is emitted and its root goes one level up. */
  #pushHashes(level: number, hashes: Uint8Array, out: BuiltTile[]): void {
    for (let off = 0; off < hashes.byteLength; ) {
      const l = this.#levelAt(level);
      const n = Math.min((hashes.byteLength - off) / HASH_SIZE, TILE_WIDTH - l.tree.width);
      l.tree.pushMany(hashes.subarray(off, off + n * HASH_SIZE));
      l.changed = true;
      off += n * HASH_SIZE;
      if (level === 0) this.#size += n;
      if (!l.tree.full) continue;
      out.push({ level, index: l.index, width: TILE_WIDTH, data: l.tree.bytes() });
      const root = l.tree.root();
      l.tree = new TileTree();
      l.index++;
      l.changed = false;
      this.#pushHashes(level + 1, root, out);
    }
  }

  /** RFC 6962 root of the current tree: fold the complete subtrees of every level's partial tile, right to left. */
  root(): Uint8Array {
    const subtrees: Uint8Array[] = [];
    for (let level = this.#levels.length - 1; level >= 0; level--) subtrees.push(...(this.#levels[level] as Level).tree.edge());
    return foldSubtrees(subtrees);
  }
}

/** Concatenate 32-byte hashes (one copy; checks each length). */
function joinHashes(list: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(list.length * HASH_SIZE);
  list.forEach((h, i) => {
    if (h.byteLength !== HASH_SIZE) throw new IlogError('BAD_HASH', 'leaf hashes must be 32 bytes each', { index: i, length: h.byteLength });
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

/** Combine complete subtree hashes given left (largest) to right into the tree root. */
export function foldSubtrees(subtrees: readonly Uint8Array[]): Uint8Array {
  let acc = subtrees[subtrees.length - 1];
  if (acc === undefined) return EMPTY_ROOT;
  for (let i = subtrees.length - 2; i >= 0; i--) acc = nodeHash(subtrees[i] as Uint8Array, acc);
  return acc;
}

/** One-shot form: tiles changed and root after appending `leafHashes` to a tree of `size`. */
export function buildTiles(size: number, readTile: TileReader, leafHashes: readonly Uint8Array[] | Uint8Array): TileUpdate {
  return TileBuilder.open(size, readTile).append(leafHashes);
}

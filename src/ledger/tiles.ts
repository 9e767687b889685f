// C2SP tlog-tiles v0.1.0: tile and entry-bundle paths, and the tile geometry of a
// tree of a given size. A tile at level L, index N holds the 256 Merkle Tree
// Hashes MTH(D[(N*256+i)*256^L : (N*256+i+1)*256^L]) for i in 0..255; the rightmost
// tile of each level may be partial (width 1..255, path suffix `.p/<W>`).

import { IlogError } from './errors.js';
import { HASH_SIZE } from './hash.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const MAX_ENTRY_SIZE = 65535;
/** The spec bounds tile levels to 0..63. */
export const MAX_TILE_LEVEL = 63;

export { encodeBundle, decodeBundle } from './bundle.js';

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new IlogError('BAD_TILE_INDEX', 'tile index must be a non-negative safe integer', { index });
  }
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new IlogError('BAD_TILE_WIDTH', 'tile width must be an integer in 1..256', { width });
  }
}

/** `1234067` → `x001/x234/067`: 3-digit groups, all but the last prefixed with `x`. */
export function encodeTileIndex(index: number): string {
  checkIndex(index);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number | undefined): string {
  if (width === undefined || width === TILE_WIDTH) return '';
  checkWidth(width);
  return `.p/${width}`;
}

/** Path of a hash tile, e.g. `tile/0/x001/x234/067.p/8`. Width 256 (or omitted) is a full tile. */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new IlogError('BAD_TILE_LEVEL', 'tile level must be an integer in 0..63', { level });
  }
  return `tile/${level}/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** Path of an entry bundle, e.g. `tile/entries/x001/067`. */
export function entriesPath(index: number, width?: number): string {
  return `tile/entries/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

export interface ParsedTilePath {
  level: number | 'entries';
  index: number;
  /** Present only for partial tiles (1..255). */
  width?: number;
}

// Canonical form only: level without leading zeros, width 1..255 without leading
// zeros, index groups of exactly 3 digits and no leading all-zero `x000` group.
const TILE_PATH_RE = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parse a tile or entry-bundle path; throws BAD_TILE_PATH for anything non-canonical. */
export function parseTilePath(path: string): ParsedTilePath {
  const bad = (reason: string): IlogError => new IlogError('BAD_TILE_PATH', `not a canonical tlog-tiles path (${reason})`, { path: path.slice(0, 200), reason });
  if (path.length > 200) throw bad('too long');
  const m = TILE_PATH_RE.exec(path);
  if (!m) throw bad('syntax');
  const [, levelStr, prefix, last, widthStr] = m as unknown as [string, string, string, string, string | undefined];
  const groups = prefix === '' ? [] : prefix.slice(0, -1).split('/').map((g) => g.slice(1));
  if (groups.length > 0 && groups[0] === '000') throw bad('leading zero index group');
  let index = 0;
  for (const g of [...groups, last]) index = index * 1000 + Number(g);
  if (!Number.isSafeInteger(index)) throw bad('index too large');
  const level = levelStr === 'entries' ? 'entries' : Number(levelStr);
  if (typeof level === 'number' && level > MAX_TILE_LEVEL) throw bad('level above 63');
  if (widthStr === undefined) return { level, index };
  const width = Number(widthStr);
  if (width > 255) throw bad('partial width must be 1..255');
  return { level, index, width };
}

/** Split a hash tile into its 32-byte hashes. */
export function tileNodes(tile: Uint8Array): Uint8Array[] {
  if (tile.byteLength % HASH_SIZE !== 0 || tile.byteLength === 0 || tile.byteLength > TILE_WIDTH * HASH_SIZE) {
    throw new IlogError('BAD_TILE', 'a hash tile is 1..256 concatenated 32-byte hashes', { length: tile.byteLength });
  }
  const out: Uint8Array[] = [];
  for (let off = 0; off < tile.byteLength; off += HASH_SIZE) out.push(tile.subarray(off, off + HASH_SIZE));
  return out;
}

export interface TileRef {
  level: number;
  index: number;
  /** 1..256; 256 = full. */
  width: number;
}

/** 256^level, exact for the levels a safe-integer tree can have. */
export function tileSpan(level: number): number {
  return TILE_WIDTH ** level;
}

/**
 * The rightmost tile of each level for a tree of `size`: width floor(size/256^L) mod 256
 * (levels whose width is 0 are omitted: empty tiles are never served).
 */
export function partialTiles(size: number): TileRef[] {
  checkIndex(size);
  const out: TileRef[] = [];
  for (let level = 0; tileSpan(level) <= size; level++) {
    const width = Math.floor(size / tileSpan(level)) % TILE_WIDTH;
    if (width > 0) out.push({ level, index: Math.floor(size / tileSpan(level + 1)), width });
  }
  return out;
}

/** Number of full tiles at `level` in a tree of `size`. */
export function fullTileCount(size: number, level: number): number {
  return Math.floor(size / tileSpan(level + 1));
}

/**
 * The tile (full if it is full in a tree of `size`, else the partial one) that holds the
 * hash at tile-level position `pos` of `level`. Used to read complete subtrees from tiles.
 */
export function tileFor(size: number, level: number, pos: number): TileRef {
  const index = Math.floor(pos / TILE_WIDTH);
  if (index < fullTileCount(size, level)) return { level, index, width: TILE_WIDTH };
  const width = Math.floor(size / tileSpan(level)) % TILE_WIDTH;
  if (index !== fullTileCount(size, level) || pos % TILE_WIDTH >= width) {
    throw new IlogError('NODE_OUT_OF_RANGE', 'no such hash in a tree of this size', { size, level, pos });
  }
  return { level, index, width };
}

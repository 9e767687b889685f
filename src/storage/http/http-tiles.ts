// A log served over the C2SP tlog-tiles v0.1.0 read API (/checkpoint,
// /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]), read as an outside tool
// would: the one HTTP tiles client of ilog (`ilog verify --url`, followers,
// mirrors and restore all read through it). Everything a server returns is
// untrusted: sizes are bounded before bodies are buffered, bundles must hold
// exactly the entries their path promises, and nothing here vouches for the
// bytes (callers verify them against a signed checkpoint).

import { IlogError, type ErrorCode } from '../../ledger/errors.js';
import { HASH_SIZE } from '../../ledger/hash.js';
import { MAX_NOTE_SIZE } from '../../ledger/note.js';
import { decodeBundle, entriesPath, MAX_ENTRY_SIZE, tilePath, TILE_WIDTH } from '../../ledger/tiles.js';
import { checkIndex, checkTileRef } from '../args.js';
import type { LogReader } from '../log-reader.js';
import type { StoredCheckpoint } from '../log-storage.js';
import { tileWidthIn, TreeOfNote } from '../tree-of-note.js';

export const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + MAX_ENTRY_SIZE);

/** The codes failures carry: callers keep the ones their users already know. */
export interface HttpTilesCodes {
  /** The server could not be reached (connection refused, timeout). */
  unreachable: ErrorCode;
  /** It answered something other than 200 or 404. */
  status: ErrorCode;
  /** The body is larger than any valid answer. */
  tooLarge: ErrorCode;
}

export interface HttpTilesOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Read token (default $ILOG_READ_TOKEN; a server beyond loopback requires one, docs/service.md). */
  readToken?: string;
  codes?: Partial<HttpTilesCodes>;
}

const DEFAULT_CODES: HttpTilesCodes = { unreachable: 'SOURCE_UNREACHABLE', status: 'SOURCE_ERROR', tooLarge: 'SOURCE_TOO_LARGE' };

/** Normalise and check a log's base URL (http or https only). */
export function logBaseUrl(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new IlogError('USAGE', `not a URL: "${baseUrl}" (expected e.g. http://127.0.0.1:7400)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new IlogError('USAGE', 'the log URL must be http:// or https://', { url: baseUrl });
  return u.href.replace(/\/+$/, '');
}

export class HttpTilesReader implements LogReader {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #readToken: string | undefined;
  readonly #codes: HttpTilesCodes;
  readonly #tree = new TreeOfNote();

  constructor(baseUrl: string, opts: HttpTilesOptions = {}) {
    this.baseUrl = logBaseUrl(baseUrl);
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#readToken = opts.readToken ?? (process.env.ILOG_READ_TOKEN || undefined);
    this.#codes = { ...DEFAULT_CODES, ...opts.codes };
  }

  /** GET `path` (relative to the base URL), at most `maxBytes`; undefined on 404. */
  async get(path: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const url = `${this.baseUrl}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), ...(this.#readToken ? { headers: { authorization: `Bearer ${this.#readToken}` } } : {}) });
    } catch (err) {
      throw new IlogError(this.#codes.unreachable, `could not fetch ${url}; check the URL and that the log server is running`, { url, cause: String((err as Error).cause ?? err) }, { cause: err });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new IlogError(this.#codes.status, `${url} answered HTTP ${res.status}`, { url, status: res.status });
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new IlogError(this.#codes.tooLarge, `${url} is larger than any valid response`, { url, length: declared, max: maxBytes });
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.byteLength > maxBytes) throw new IlogError(this.#codes.tooLarge, `${url} is larger than any valid response`, { url, length: body.byteLength, max: maxBytes });
    return body;
  }

  async latestCheckpoint(): Promise<string | undefined> {
    const body = await this.get('checkpoint', MAX_NOTE_SIZE);
    return body === undefined ? undefined : Buffer.from(body).toString('utf8');
  }

  /** The tree of the served checkpoint (unverified here: callers open the note with the log's vkey). */
  async treeState(): Promise<{ size: number; root: Uint8Array }> {
    return this.#tree.of(await this.latestCheckpoint());
  }

  async size(): Promise<number> {
    return (await this.treeState()).size;
  }

  async readTile(level: number, index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    checkTileRef(level, index, width);
    const exact = await this.get(tilePath(level, index, width), width * HASH_SIZE);
    if (exact !== undefined || width === TILE_WIDTH) return exact;
    // A prefix of the tile as the checkpoint's tree has it (full, or the right edge's partial width).
    const stored = tileWidthIn(await this.size(), level, index);
    if (stored < width) return undefined;
    return (await this.get(tilePath(level, index, stored), stored * HASH_SIZE))?.subarray(0, width * HASH_SIZE);
  }

  async readEntryBundle(index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    checkTileRef(0, index, width);
    return this.get(entriesPath(index, width), MAX_BUNDLE_BYTES);
  }

  async readEntries(from: number, to: number, limit = 65_536): Promise<Uint8Array[]> {
    checkIndex(from, 'from');
    checkIndex(to, 'to');
    checkIndex(limit, 'limit');
    const size = await this.size();
    return entriesOfTree(from, Math.min(to, size, from + limit), size, (i, w) => this.readEntryBundle(i, w));
  }

  async checkpoints(fromSize = 0): Promise<StoredCheckpoint[]> {
    checkIndex(fromSize, 'fromSize');
    const note = await this.latestCheckpoint();
    if (note === undefined) return [];
    const { size } = this.#tree.of(note);
    return size >= fromSize ? [{ size, note }] : [];
  }

  async close(): Promise<void> {}
}

/**
 * Entries [from, end) of a tree of `size`, bundle by bundle; a bundle below
 * `size` that is missing, or holds other than `width` entries, is an error.
 */
export async function entriesOfTree(
  from: number,
  end: number,
  size: number,
  bundle: (index: number, width: number) => Promise<Uint8Array | undefined>,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = Math.floor(from / TILE_WIDTH); i * TILE_WIDTH < end; i++) {
    const width = Math.min(TILE_WIDTH, size - i * TILE_WIDTH);
    const data = await bundle(i, width);
    if (data === undefined) throw new IlogError('TILE_MISSING', 'an entry bundle below the checkpoint size is missing', { path: entriesPath(i, width) });
    const entries = decodeBundle(data, width);
    const lo = Math.max(from - i * TILE_WIDTH, 0);
    const hi = Math.min(end - i * TILE_WIDTH, width);
    out.push(...entries.slice(lo, hi));
  }
  return out;
}

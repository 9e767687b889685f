// Reading a C2SP tlog-tiles v0.1.0 log from outside: over HTTP (its read API:
// /checkpoint, /tile/..., /tile/entries/...) or from a static tiles directory.
// Everything read here is unverified; the mirror and restore verify it.
// Sizes are bounded before buffering (a hostile server cannot exhaust memory).

import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';
import { MAX_NOTE_SIZE } from '../ledger/note.js';
import { entriesPath, MAX_ENTRY_SIZE, tilePath, TILE_WIDTH } from '../ledger/tiles.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LogStorage } from '../storage/log-storage.js';
import { SqliteLogStorage } from '../storage/sqlite/sqlite-storage.js';
import { TilesDir } from '../storage/tiles-dir/tiles-dir.js';

export interface TlogSource {
  /** Where it reads from (for messages and evidence). */
  readonly where: string;
  checkpoint(): Promise<string>;
  /** Hash tile of `width` (1..256). */
  tile(level: number, index: number, width: number): Promise<Uint8Array>;
  /** Entry bundle of `width` (1..256). */
  bundle(index: number, width: number): Promise<Uint8Array>;
  close?(): void;
}

const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + MAX_ENTRY_SIZE);

export class HttpTlogSource implements TlogSource {
  readonly where: string;
  readonly #timeoutMs: number;
  readonly #readToken: string | undefined;

  /** `readToken` (default $ILOG_READ_TOKEN): a log served beyond loopback requires one (docs/service.md). */
  constructor(url: string, opts: { timeoutMs?: number; readToken?: string } = {}) {
    this.where = url.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#readToken = opts.readToken ?? (process.env.ILOG_READ_TOKEN || undefined);
  }

  async #get(path: string, max: number): Promise<Uint8Array> {
    const url = `${this.where}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), ...(this.#readToken ? { headers: { authorization: `Bearer ${this.#readToken}` } } : {}) });
    } catch (err) {
      throw new IlogError('SOURCE_UNREACHABLE', `could not fetch ${url}; check the URL and that the log is up`, { url, reason: (err as Error).message }, { cause: err });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new IlogError('SOURCE_NOT_FOUND', `${url} is not there (404)`, { url });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new IlogError('SOURCE_ERROR', `${url} answered ${res.status}`, { url, status: res.status });
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > max) {
      await res.body?.cancel();
      throw new IlogError('SOURCE_TOO_LARGE', `${url} is larger than any valid ${path.startsWith('tile') ? 'tile' : 'checkpoint'}`, { url, length: declared });
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.byteLength > max) throw new IlogError('SOURCE_TOO_LARGE', `${url} is too large`, { url, length: body.byteLength });
    return body;
  }

  async checkpoint(): Promise<string> {
    return Buffer.from(await this.#get('checkpoint', MAX_NOTE_SIZE)).toString('utf8');
  }

  tile(level: number, index: number, width: number): Promise<Uint8Array> {
    return this.#get(tilePath(level, index, width), width * HASH_SIZE);
  }

  bundle(index: number, width: number): Promise<Uint8Array> {
    return this.#get(entriesPath(index, width), MAX_BUNDLE_BYTES);
  }
}

/** A static tiles directory (a mirror written with --format tiles, or a copy of one). */
export class DirTlogSource implements TlogSource {
  readonly where: string;
  readonly #dir: TilesDir;

  constructor(dir: string) {
    this.where = dir;
    this.#dir = TilesDir.open(dir, { mustExist: true });
  }

  #need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new IlogError('SOURCE_NOT_FOUND', `${this.where} has no ${what}`, { dir: this.where, what });
    return v;
  }

  async checkpoint(): Promise<string> {
    return this.#need(this.#dir.checkpoint(), 'checkpoint');
  }

  async tile(level: number, index: number, width: number): Promise<Uint8Array> {
    return this.#need(this.#dir.readTile(level, index, width), tilePath(level, index, width));
  }

  async bundle(index: number, width: number): Promise<Uint8Array> {
    return this.#need(this.#dir.readEntryBundle(index, width), entriesPath(index, width));
  }
}

/** `http(s)://…` → HTTP; a directory with log.db → that SQLite log (read-only); else a tiles directory. */
export function openTlogSource(from: string): TlogSource {
  if (/^https?:\/\//.test(from)) return new HttpTlogSource(from);
  if (existsSync(join(from, 'log.db'))) return new StorageTlogSource(SqliteLogStorage.open(from, { readonly: true }), from);
  return new DirTlogSource(from);
}

/** A LogStorage (e.g. a SQLite mirror's log.db opened read-only) as a source. */
export class StorageTlogSource implements TlogSource {
  readonly where: string;
  readonly #storage: LogStorage;

  constructor(storage: LogStorage, where: string) {
    this.#storage = storage;
    this.where = where;
  }

  #need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new IlogError('SOURCE_NOT_FOUND', `${this.where} has no ${what}`, { where: this.where, what });
    return v;
  }

  async checkpoint(): Promise<string> {
    return this.#need(this.#storage.latestCheckpoint(), 'checkpoint');
  }

  async tile(level: number, index: number, width: number): Promise<Uint8Array> {
    return this.#need(this.#storage.readTile(level, index, width), tilePath(level, index, width));
  }

  async bundle(index: number, width: number): Promise<Uint8Array> {
    return this.#need(this.#storage.readEntryBundle(index, width), entriesPath(index, width));
  }

  close(): void {
    this.#storage.close();
  }
}

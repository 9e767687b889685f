// Reading a C2SP tlog-tiles v0.1.0 log from outside: over HTTP (its read API:
// /checkpoint, /tile/..., /tile/entries/...) or from a static tiles directory.
// Everything read here is unverified; the mirror and restore verify it.
// Sizes are bounded before buffering (a hostile server cannot exhaust memory).

import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';
import { MAX_NOTE_SIZE } from '../ledger/note.js';
import { entriesPath, tilePath } from '../ledger/tiles.js';
import { HttpTilesReader, MAX_BUNDLE_BYTES } from '../storage/http/http-tiles.js';
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

/** A log's read API over HTTP, through the one tiles client (storage/http/http-tiles.ts). */
export class HttpTlogSource implements TlogSource {
  readonly where: string;
  readonly #reader: HttpTilesReader;

  /** `readToken` (default $ILOG_READ_TOKEN): a log served beyond loopback requires one (docs/service.md). */
  constructor(url: string, opts: { timeoutMs?: number; readToken?: string } = {}) {
    this.#reader = new HttpTilesReader(url, opts);
    this.where = this.#reader.baseUrl;
  }

  async #need(path: string, max: number): Promise<Uint8Array> {
    const body = await this.#reader.get(path, max);
    if (body === undefined) throw new IlogError('SOURCE_NOT_FOUND', `${this.where}/${path} is not there (404)`, { url: `${this.where}/${path}` });
    return body;
  }

  async checkpoint(): Promise<string> {
    return Buffer.from(await this.#need('checkpoint', MAX_NOTE_SIZE)).toString('utf8');
  }

  tile(level: number, index: number, width: number): Promise<Uint8Array> {
    return this.#need(tilePath(level, index, width), width * HASH_SIZE);
  }

  bundle(index: number, width: number): Promise<Uint8Array> {
    return this.#need(entriesPath(index, width), MAX_BUNDLE_BYTES);
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

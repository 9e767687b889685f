// Which backend holds a data directory's log: `<dir>/log.db` (SQLite, the
// embedded default), or a PostgreSQL store named by `--store postgres://…`
// (the CLI puts it in $ILOG_STORE, so every command and every area that opens
// the log opens the same one). The directory still holds the log's config and
// keys; several hosts share one store, each with its own directory.

import { IlogError } from '../ledger/errors.js';
import { asyncLog, type LogStore } from './log-reader.js';
import type { LogStorage } from './log-storage.js';
import { PostgresLogStore } from './postgres/postgres-store.js';
import { PostgresLogStorage } from './postgres/postgres-sync.js';
import { SqliteLogStorage, type SqliteStorageOptions } from './sqlite/sqlite-storage.js';

export interface OpenStorageOptions {
  /** A postgres:// URL; default $ILOG_STORE, else `<dir>/log.db`. */
  store?: string;
  /** SQLite only: open read-only. */
  readonly?: boolean;
  sqlite?: SqliteStorageOptions;
}

/** The store URL in effect (`--store`, $ILOG_STORE), or undefined for the SQLite file. */
export function storeUrl(opts: OpenStorageOptions = {}): string | undefined {
  const url = opts.store ?? (process.env.ILOG_STORE || undefined);
  if (url === undefined || url === 'sqlite') return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new IlogError('USAGE', '--store takes postgres://user:password@host:port/database[?schema=name] (or sqlite, the default)', {});
  return url;
}

/** The log of `dir`, synchronous contract. */
export function openLogStorage(dir: string, opts: OpenStorageOptions = {}): LogStorage {
  const url = storeUrl(opts);
  if (url !== undefined) return PostgresLogStorage.open(url);
  return SqliteLogStorage.open(dir, { ...opts.sqlite, ...(opts.readonly ? { readonly: true } : {}) });
}

/** The log of `dir`, asynchronous contract (PostgreSQL natively, SQLite wrapped). */
export async function openLogStore(dir: string, opts: OpenStorageOptions = {}): Promise<LogStore> {
  const url = storeUrl(opts);
  if (url !== undefined) return PostgresLogStore.open(url);
  return asyncLog(SqliteLogStorage.open(dir, { ...opts.sqlite, ...(opts.readonly ? { readonly: true } : {}) }));
}

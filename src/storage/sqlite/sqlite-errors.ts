// Turn better-sqlite3's SqliteError into IlogError with a code callers can act
// on (a locked database is worth retrying; a full disk is not), keeping the
// SQLite code as evidence. IlogErrors thrown inside transactions pass through.

import { IlogError, type ErrorCode } from '../../ledger/errors.js';

const CODES: Record<string, [code: ErrorCode, advice: string]> = {
  SQLITE_BUSY: ['STORAGE_BUSY', 'log.db is locked by another process for too long; retry, or raise busyTimeoutMs'],
  SQLITE_LOCKED: ['STORAGE_BUSY', 'log.db is locked; retry'],
  SQLITE_FULL: ['STORAGE_FULL', 'the disk holding log.db is full; free space, then retry'],
  SQLITE_READONLY: ['STORAGE_READONLY', 'log.db is read-only here; check file permissions or open it writable'],
  SQLITE_CORRUPT: ['STORAGE_CORRUPT', 'log.db is corrupt; restore it from a mirror'],
  SQLITE_NOTADB: ['STORAGE_CORRUPT', 'log.db is not an SQLite database; check --dir'],
  SQLITE_CANTOPEN: ['STORAGE_UNAVAILABLE', 'cannot open log.db; check that the data directory exists and is writable'],
};

export function sqliteErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof IlogError) throw e;
    const sqliteCode = (e as { code?: unknown }).code;
    if (typeof sqliteCode !== 'string' || !sqliteCode.startsWith('SQLITE_')) throw e;
    const base = sqliteCode.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
    const [code, advice]: [ErrorCode, string] = CODES[base] ?? ['STORAGE_ERROR', 'SQLite failed on log.db; see the evidence'];
    throw new IlogError(code, `${advice} (${(e as Error).message})`, { sqliteCode }, { cause: e });
  }
}

// Opening a data directory's log for the CLI commands, with errors that say
// what to do (run `ilog init`, pass --dir). Storage is imported on first use so
// that registering commands stays cheap.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import type { LogStorage } from '../storage/log-storage.js';

/** Opens the log of `dir` read-only (`<dir>/log.db`, or the --store), after checking the directory holds a log. */
export async function openReadOnly(dir: string): Promise<LogStorage> {
  const { LOG_FILES, readLogConfig } = await import('../log/appender-files.js');
  readLogConfig(dir); // NO_LOG with a hint when the directory is not a log
  const { openLogStorage, storeUrl } = await import('../storage/open-storage.js');
  if (storeUrl() === undefined && !existsSync(join(dir, LOG_FILES.db))) throw new IlogError('NO_LOG', `${join(dir, LOG_FILES.db)} is missing; restore it or run \`ilog init\``, { dir });
  return openLogStorage(dir, { readonly: true });
}

/** Runs `fn` with a read-only storage, closing it afterwards. */
export async function withReadOnly<T>(dir: string, fn: (s: LogStorage) => T | Promise<T>): Promise<T> {
  const storage = await openReadOnly(dir);
  try {
    return await fn(storage);
  } finally {
    storage.close();
  }
}

// A data directory holds the log (relation names, purposes, alerts), the
// proxy's SCRAM verifiers and the log's signing key: nothing another local
// user may read. ilog creates it 0700 and its files 0600, but a directory made
// beforehand (mkdir gives 0755) left `log.db` and `proxy.db` readable by every
// local user (issue #12). Serving commands call this at start: it takes group
// and world bits off the directory and off the files ilog keeps there, says
// what it changed, and refuses to start when it cannot (someone else's files).
// Configuration files that carry secrets (alerts.json, the proxy's --config)
// belong to the operator: those get a warning, not a chmod.
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';

/** Files ilog writes in a data directory that hold data or secrets (SQLite side files included). */
const PRIVATE_FILE = /^(log|proxy|witness|published|governance-loop)\.(db|db-wal|db-shm|db-journal|lock)$|^(log\.key|token|hmac\.key|governance\.json)$/;

const OPEN_BITS = 0o077;

/** Takes group and world permissions off `dir` and ilog's files in it; returns the paths it changed. */
export function makeDataDirPrivate(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const changed: string[] = [];
  const tighten = (path: string): void => {
    const mode = statSync(path).mode & 0o777;
    if ((mode & OPEN_BITS) === 0) return;
    try {
      chmodSync(path, mode & ~OPEN_BITS);
    } catch (e) {
      throw new IlogError('INSECURE_PERMISSIONS', `${path} is open to other local users (mode ${mode.toString(8)}) and this user cannot change that: run chmod go-rwx on it as its owner, then start again`, { path, mode: mode.toString(8) }, { cause: e });
    }
    changed.push(`${path} (was ${mode.toString(8)})`);
  };
  tighten(dir);
  for (const name of readdirSync(dir)) if (PRIVATE_FILE.test(name)) tighten(join(dir, name));
  return changed;
}

/** A warning line when a file holding secrets can be read by group or world; undefined when it cannot (or is absent). */
export function secretFileWarning(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o044) === 0) return undefined;
  return `warning INSECURE_PERMISSIONS: ${path} holds secrets and is readable by ${mode & 0o004 ? 'every local user' : 'its group'} (mode ${mode.toString(8)}); run chmod 600 ${path}`;
}

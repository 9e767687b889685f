// The log's files in its data directory (docs/dev/contracts.md):
//   log.db       storage (SQLite backend)
//   log.key      the log's signed-note private key, PRIVATE+KEY+<origin>+… (0600)
//   log.vkey     its verifier key, <origin>+<id>+<key> (public)
//   token        bearer token for the write API, one line (0600)
//   config.json  {"origin": …}, plus whatever other areas add
// config.json is written last by initLog, so its presence means "initialised".

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import { isValidKeyName } from '../ledger/keys.js';
import { signerFromKey, type Signer } from '../ledger/note.js';

export const LOG_FILES = Object.freeze({ db: 'log.db', key: 'log.key', vkey: 'log.vkey', token: 'token', config: 'config.json' });

export interface LogConfig {
  /** The checkpoint origin line, also the log key's name (e.g. `example.com/audit`). */
  origin: string;
  [key: string]: unknown;
}

/** An origin is a checkpoint's first line and the key name: one line, a valid note key name. */
export function checkOrigin(origin: unknown): asserts origin is string {
  if (typeof origin !== 'string' || origin.length === 0 || origin.length > 256 || !isValidKeyName(origin)) {
    throw new IlogError('BAD_ORIGIN', 'origin must be 1-256 printable characters without spaces or "+", e.g. example.com/audit', { origin: String(origin).slice(0, 300) });
  }
}

function readText(dir: string, name: string): string {
  const path = join(dir, name);
  if (!existsSync(join(dir, LOG_FILES.config))) {
    throw new IlogError('NO_LOG', `no ilog log in ${dir}; create one with \`ilog init\` or pass --dir`, { dir });
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new IlogError('LOG_FILE_MISSING', `cannot read ${path}; restore it from backup (the log cannot sign without its key)`, { path }, { cause: e });
  }
}

export function readLogConfig(dir: string): LogConfig {
  let config: unknown;
  try {
    config = JSON.parse(readText(dir, LOG_FILES.config));
  } catch (e) {
    if (e instanceof IlogError) throw e;
    throw new IlogError('BAD_CONFIG', `${join(dir, LOG_FILES.config)} is not valid JSON; fix or restore it`, { dir });
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new IlogError('BAD_CONFIG', 'config.json must hold a JSON object', { dir });
  checkOrigin((config as LogConfig).origin);
  return config as LogConfig;
}

export function readLogSigner(dir: string): Signer {
  return signerFromKey(readText(dir, LOG_FILES.key).trim());
}

export function readLogVkey(dir: string): string {
  return readText(dir, LOG_FILES.vkey).trim();
}

export function readLogToken(dir: string): string {
  return readText(dir, LOG_FILES.token).trim();
}

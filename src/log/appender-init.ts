// Creating a log: the data directory's files (appender-files.ts) and entry 0,
// `genesis`, which names the origin and the log key so that anyone replaying
// the log from the start knows whose signatures to expect. Governance passes
// its own genesis fields (admins, quorum) through `genesis`.
// Order matters for crashes: keys and token first, then genesis, then
// config.json — so a directory with config.json is always a complete log.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEntry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import { generateKey } from '../ledger/note.js';
import { writeFileDurable } from '../storage/durable-file.js';
import { openLogStorage } from '../storage/open-storage.js';
import { checkOrigin, LOG_FILES } from './appender-files.js';
import { Appender } from './appender.js';

export interface InitLogOptions {
  /** Checkpoint origin and log key name, e.g. `example.com/audit`. */
  origin: string;
  /** Extra fields for the genesis entry (e.g. governance's `admins`, `quorum`). */
  genesis?: Record<string, unknown>;
  /** Extra fields for config.json. */
  config?: Record<string, unknown>;
  /** Injectable clock for the genesis `time`. */
  now?: () => Date;
}

export interface InitializedLog {
  dir: string;
  origin: string;
  /** The log's verifier key (also in log.vkey and in genesis). */
  vkey: string;
  /** The write API bearer token (also in `token`). */
  token: string;
  /** The first signed checkpoint (size 1: genesis). */
  checkpoint: string;
}

export async function initLog(dir: string, opts: InitLogOptions): Promise<InitializedLog> {
  checkOrigin(opts.origin);
  const file = (name: string): string => join(dir, name);
  if (existsSync(file(LOG_FILES.config))) {
    throw new IlogError('LOG_EXISTS', `${dir} already holds a log; use another --dir to create a new one`, { dir });
  }
  if (existsSync(file(LOG_FILES.key)) || existsSync(file(LOG_FILES.db))) {
    throw new IlogError('LOG_EXISTS', `${dir} holds part of a log whose creation was interrupted; move it away and run init again`, { dir });
  }
  // Validate the genesis entry before any file exists, so bad governance input leaves nothing behind.
  const { skey, vkey } = generateKey(opts.origin);
  const time = (opts.now ?? (() => new Date()))().toISOString();
  const genesis = encodeEntry({ ...opts.genesis, v: 1, kind: 'genesis', time, origin: opts.origin, logKey: vkey });

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileDurable(file(LOG_FILES.key), `${skey}\n`, { mode: 0o600, exclusive: true });
  writeFileDurable(file(LOG_FILES.vkey), `${vkey}\n`, { exclusive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileDurable(file(LOG_FILES.token), `${token}\n`, { mode: 0o600, exclusive: true });

  const storage = openLogStorage(dir);
  try {
    const { first } = storage.appendBatch([genesis]);
    if (first !== 0) throw new IlogError('LOG_EXISTS', 'another process appended to this log while it was being created', { dir, first });
  } finally {
    storage.close();
  }
  writeFileDurable(file(LOG_FILES.config), `${JSON.stringify({ ...opts.config, origin: opts.origin }, null, 2)}\n`, { exclusive: true });

  const appender = await Appender.open(dir, { writerThread: false }); // one checkpoint: no thread worth starting
  try {
    return { dir, origin: opts.origin, vkey, token, checkpoint: await appender.checkpoint() };
  } finally {
    await appender.close();
  }
}

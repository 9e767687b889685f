// Rebuilding a lost or damaged log's storage from a mirror. The restored copy
// must be provably the same log:
//   - the mirror's checkpoint is signed by this log's own key (log.vkey) and has
//     this log's origin (config.json);
//   - if the restorer knows a later-trusted checkpoint (the last published one,
//     or one a witness cosigned), the mirror's tree must extend it: a mirror that
//     is behind it, or inconsistent with it, is refused (restoring from it would
//     make the log fork from what witnesses already cosigned);
//   - every entry and tile is verified on the way (the Mirror code path).
// The new log.db is built beside the old one and renamed into place only when
// complete; a damaged log.db is moved aside, never deleted.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';
import { verifierKeyFor } from '../ledger/keys.js';
import { consistencyProof, treeRoot } from '../ledger/merkle.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import { LOG_FILES, readLogConfig, readLogVkey } from '../log/appender-files.js';
import { fsyncDir } from '../storage/durable-file.js';
import { SqliteLogStorage } from '../storage/sqlite/sqlite-storage.js';
import { openLogCheckpoint, type OpenedCheckpoint } from './checkpoint-notes.js';
import { inconsistencyError, proofToBase64 } from './evidence.js';
import { Mirror } from './mirror.js';
import { StorageCopy } from './tlog-copy.js';
import { openTlogSource } from './tlog-source.js';

export interface RestoreOptions {
  /** Mirror URL, tiles directory or SQLite mirror directory. */
  from: string;
  /** The log's data directory (config.json, log.key, log.vkey stay; log.db is rebuilt). */
  dir: string;
  /** A checkpoint (signed note) the restorer trusts, e.g. the last published one. */
  knownCheckpoint?: string;
  /** Replace a log.db that still opens and holds a checkpoint. */
  force?: boolean;
  onProgress?: (size: number, target: number) => void;
}

export interface RestoreResult {
  size: number;
  checkpoint: string;
  /** Where a damaged log.db was moved, if there was one. */
  movedAside?: string;
}

/** Whether `<dir>/log.db` is present and usable (opens, and has a checkpoint). */
function healthyLog(dir: string): boolean {
  if (!existsSync(join(dir, LOG_FILES.db))) return false;
  try {
    const s = SqliteLogStorage.open(dir, { readonly: true });
    try {
      return s.latestCheckpoint() !== undefined;
    } finally {
      s.close();
    }
  } catch {
    return false;
  }
}

export async function restoreLog(opts: RestoreOptions): Promise<RestoreResult> {
  const config = readLogConfig(opts.dir);
  const vkey = readLogVkey(opts.dir);
  // The restored log must be able to sign again with the same key.
  const skey = readFileSync(join(opts.dir, LOG_FILES.key), 'utf8').trim();
  if (verifierKeyFor(skey) !== vkey) throw new IlogError('KEY_MISMATCH', 'log.key and log.vkey do not match; restore the key files first', { dir: opts.dir });
  if (healthyLog(opts.dir) && !opts.force) {
    throw new IlogError('RESTORE_EXISTS', `${join(opts.dir, LOG_FILES.db)} looks healthy; pass --force to replace it (it is moved aside, not deleted)`, { dir: opts.dir });
  }

  const source = openTlogSource(opts.from);
  const work = join(opts.dir, `restore-${process.pid}-${Date.now()}`);
  let storage: SqliteLogStorage | undefined;
  try {
    const cp = openLogCheckpoint(await source.checkpoint(), vkey);
    if (cp.checkpoint.origin !== config.origin) {
      throw new IlogError('RESTORE_WRONG_LOG', 'the mirror holds another log', { expected: config.origin, found: cp.checkpoint.origin });
    }
    const known = opts.knownCheckpoint === undefined ? undefined : openLogCheckpoint(opts.knownCheckpoint, vkey);
    if (known && known.checkpoint.size > cp.checkpoint.size) {
      throw new IlogError('RESTORE_INCOMPLETE', `the mirror has ${cp.checkpoint.size} entries but the log had published ${known.checkpoint.size}; find a more recent mirror`, {
        mirrorSize: cp.checkpoint.size,
        knownSize: known.checkpoint.size,
      });
    }
    mkdirSync(work, { recursive: true });
    storage = SqliteLogStorage.open(work);
    const mirror = new Mirror({ source, copy: new StorageCopy(storage), logVkey: vkey, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    const r = await mirror.syncOnce();
    if (r.size !== cp.checkpoint.size) throw new IlogError('RESTORE_RACE', 'the mirror moved while restoring; run restore again', { expected: cp.checkpoint.size, got: r.size });
    if (known) checkKnown(storage, known, cp, opts.from);
    const checkpoint = storage.latestCheckpoint() as string;
    storage.close();
    storage = undefined;

    const movedAside = moveAside(opts.dir);
    renameSync(join(work, LOG_FILES.db), join(opts.dir, LOG_FILES.db));
    fsyncDir(opts.dir);
    return { size: r.size, checkpoint, ...(movedAside ? { movedAside } : {}) };
  } finally {
    storage?.close();
    source.close?.();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The restored tree, at the known checkpoint's size, must have its root. */
function checkKnown(storage: SqliteLogStorage, known: OpenedCheckpoint, cp: OpenedCheckpoint, from: string): void {
  const nodes = tileNodeReader(cp.checkpoint.size, (l, i, w) => storage.readTile(l, i, w));
  if (bytesEqual(treeRoot(known.checkpoint.size, nodes), known.checkpoint.root)) return;
  throw inconsistencyError({
    kind: known.checkpoint.size === cp.checkpoint.size ? 'fork' : 'inconsistent',
    origin: cp.checkpoint.origin,
    older: known.note,
    newer: cp.note,
    oldSize: known.checkpoint.size,
    newSize: cp.checkpoint.size,
    // The proof from the trusted size to the mirror's, built from the mirror's (verified) data: it fails against the trusted root.
    proof: proofToBase64(consistencyProof(known.checkpoint.size, cp.checkpoint.size, nodes)),
    proofSource: 'restored copy',
    detail: 'the mirror’s tree does not contain the checkpoint the restorer trusts',
    seenAt: from,
    time: new Date().toISOString(),
  });
}

/** Move log.db (and its WAL/SHM files) into `<dir>/damaged-<time>/`. */
function moveAside(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f === LOG_FILES.db || f.startsWith(`${LOG_FILES.db}-`));
  if (files.length === 0) return undefined;
  const aside = join(dir, `damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(aside);
  for (const f of files) renameSync(join(dir, f), join(aside, f));
  fsyncDir(dir);
  return aside;
}

// Opening a mirror's data directory. `mirror.json` remembers what it mirrors
// (source, log vkey, format) so that a restart cannot silently switch logs:
// a different --from/--vkey/--format than the stored one is refused.
//   --format sqlite  <dir>/log.db (the storage area's SQLite LogStorage)
//   --format tiles   <dir>/checkpoint and <dir>/tile/... (a static tlog-tiles directory)

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import { verifierFromKey } from '../ledger/note.js';
import { writeFileDurable } from '../storage/durable-file.js';
import { SqliteLogStorage } from '../storage/sqlite/sqlite-storage.js';
import { TilesDirStorage } from '../storage/tiles-dir/tiles-dir-storage.js';
import type { LogStorageReader } from '../storage/log-storage.js';
import { StorageCopy, TilesDirCopy, type TlogCopy } from './tlog-copy.js';

export const MIRROR_CONFIG = 'mirror.json';
export const MIRROR_FORMATS = ['sqlite', 'tiles'] as const;
export type MirrorFormat = (typeof MIRROR_FORMATS)[number];

export interface MirrorConfig {
  from: string;
  vkey: string;
  format: MirrorFormat;
}

/** Reconcile the command line with `<dir>/mirror.json` (written on first use). */
export function mirrorConfig(dir: string, given: Partial<MirrorConfig>): MirrorConfig {
  const file = join(dir, MIRROR_CONFIG);
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MirrorConfig) : undefined;
  for (const k of ['from', 'vkey', 'format'] as const) {
    if (stored && given[k] !== undefined && given[k] !== stored[k]) {
      throw new IlogError('MIRROR_CONFIG_MISMATCH', `${dir} mirrors ${k} ${JSON.stringify(stored[k])}, not ${JSON.stringify(given[k])}; use another --dir`, { [k]: stored[k] });
    }
  }
  const cfg = { format: 'sqlite' as MirrorFormat, ...stored, ...given } as Partial<MirrorConfig>;
  if (!cfg.from) throw new IlogError('USAGE', 'give --from <log URL or directory>');
  if (!cfg.vkey) throw new IlogError('USAGE', "give --vkey <the log's vkey> (the mirror verifies every checkpoint with it)");
  if (!MIRROR_FORMATS.includes(cfg.format as MirrorFormat)) throw new IlogError('USAGE', '--format is sqlite or tiles', { format: cfg.format });
  verifierFromKey(cfg.vkey);
  if (!stored) {
    mkdirSync(dir, { recursive: true });
    writeFileDurable(file, JSON.stringify(cfg, null, 2) + '\n');
  }
  return cfg as MirrorConfig;
}

/** The copy the mirror writes, and a LogStorage view of it for the read API. */
export function openMirrorCopy(dir: string, format: MirrorFormat): { copy: TlogCopy; storage: LogStorageReader } {
  if (format === 'sqlite') {
    const storage = SqliteLogStorage.open(dir);
    return { copy: new StorageCopy(storage), storage };
  }
  const copy = new TilesDirCopy(dir);
  return { copy, storage: new TilesDirStorage(dir) };
}

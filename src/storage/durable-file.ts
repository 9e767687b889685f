// Durable small files (keys, tokens, config) per the project convention: write
// a temp file, fsync it, rename it over the target, fsync the directory. After
// a crash at any instant the path holds either the old or the new content,
// never a torn mix, and a returned call survives power loss.

import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { IlogError } from '../ledger/errors.js';

export interface DurableWriteOptions {
  /** File mode, e.g. 0o600 for secrets (applied at creation, before any byte is written). */
  mode?: number;
  /** Fail with FILE_EXISTS instead of replacing an existing file. */
  exclusive?: boolean;
}

export function writeFileDurable(path: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    if (opts.exclusive) {
      // link() fails if the target exists, unlike rename(): no window where a racing writer is overwritten.
      linkExclusive(tmp, path);
    } else {
      renameSync(tmp, path);
    }
  } finally {
    if (opts.exclusive) unlinkSync(tmp);
  }
  fsyncDir(dirname(path));
}

function linkExclusive(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new IlogError('FILE_EXISTS', `${path} already exists; refusing to overwrite it`, { path });
    throw e;
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

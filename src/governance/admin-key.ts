// Every log has an admin key: `ilog init` without --admin makes a 1-of-1
// governed log and writes its one admin key BESIDE the data directory, never in
// it (`<dir>.admin.key`, mode 0600), so the server's data — what it reads,
// backs up and serves — holds no key that carries authority. Move the file
// off the host (and pass it with --key) to take that power away from root too.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import { generateKey } from '../ledger/note.js';
import { writeFileDurable } from '../storage/durable-file.js';
import { loadSigner, type GovernanceSigner } from './signing.js';

/** Where `ilog init` puts the admin key it makes for `dir`: beside it, not inside it. */
export function defaultAdminKeyFile(dir: string): string {
  return `${resolve(dir)}.admin.key`;
}

/**
 * Makes an admin key and writes its private half to `file` (exclusive, 0600).
 * Returns the vkey for genesis and a remover for a failed init.
 */
export function createAdminKey(file: string, name = 'admin'): { vkey: string; file: string; remove(): void } {
  if (existsSync(file)) throw new IlogError('LOG_EXISTS', `${file} already exists; move it away or pass --admin-key-out <file>`, { file });
  const { skey, vkey } = generateKey(name);
  writeFileDurable(file, `${skey}\n`, { mode: 0o600, exclusive: true });
  return { vkey, file, remove: () => rmSync(file, { force: true }) };
}

/** The signer in `file` (--key), else in the default file of `dir`, else undefined. */
export function findAdminSigner(dir: string, file?: string): GovernanceSigner | undefined {
  const path = file ?? defaultAdminKeyFile(dir);
  if (file === undefined && !existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new IlogError('USAGE', `cannot read the key file ${path}`, { file: path });
  }
  return loadSigner(text);
}

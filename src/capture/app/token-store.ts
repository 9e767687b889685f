// Bearer tokens for named principals (applications in `<dir>/apps.json`,
// reviewers in `<dir>/reviewers.json`). Only SHA-256 hashes are stored: a token
// is 256 random bits, so a fast hash is enough and a stolen file yields no token.
// The clear token is returned once, when it is issued. The file is rewritten
// durably (temp file, fsync, rename, fsync dir) and re-read when it changes, so
// `ilog app add` in one process is seen by a running server in another.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { IlogError } from '../../ledger/errors.js';
import { writeFileDurable } from '../../storage/durable-file.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

interface Principal {
  name: string;
  sha256: string;
  created: string;
  /** Extra permissions (e.g. `backfill`, `context` for applications); none by default. */
  scopes?: string[];
}

export class TokenStore {
  readonly #file: string;
  readonly #prefix: string;
  #cache: { mtimeMs: number; size: number; ino: number; principals: Principal[] } | undefined;

  /** `prefix` marks what a token is for (e.g. `ilog_app_`), so a leaked one can be recognised. */
  constructor(file: string, prefix: string) {
    this.#file = file;
    this.#prefix = prefix;
  }

  /** Issues a token for a new name; returns the clear token (shown once, never stored). */
  add(name: string, now = new Date(), scopes: readonly string[] = []): string {
    if (!NAME.test(name)) throw new IlogError('INVALID_NAME', `'${name}' is not a valid name: use 1-63 of a-z 0-9 . _ - starting with a letter or digit`, { name });
    const list = this.#read();
    if (list.some((p) => p.name === name)) throw new IlogError('ALREADY_EXISTS', `${name} already has a token; remove it first to issue a new one`, { name });
    const token = this.#prefix + randomBytes(32).toString('base64url');
    this.#write([...list, { name, sha256: sha256(token), created: now.toISOString(), ...(scopes.length > 0 ? { scopes: [...scopes] } : {}) }]);
    return token;
  }

  remove(name: string): void {
    const list = this.#read();
    if (!list.some((p) => p.name === name)) throw new IlogError('NOT_FOUND', `no token for ${name}`, { name });
    this.#write(list.filter((p) => p.name !== name));
  }

  /** Does `name` hold permission `scope`? */
  allows(name: string, scope: string): boolean {
    return this.#read().some((p) => p.name === name && (p.scopes ?? []).includes(scope));
  }

  names(): string[] {
    return this.#read().map((p) => p.name);
  }

  /** The name a token belongs to, or undefined. Compares every stored hash in constant time. */
  verify(token: string | undefined): string | undefined {
    if (!token || !token.startsWith(this.#prefix) || token.length > 200) return undefined;
    const h = Buffer.from(sha256(token), 'hex');
    let found: string | undefined;
    for (const p of this.#read()) if (timingSafeEqual(h, Buffer.from(p.sha256, 'hex'))) found = p.name;
    return found;
  }

  #read(): Principal[] {
    let st;
    try {
      st = statSync(this.#file);
    } catch {
      return [];
    }
    if (this.#cache && this.#cache.mtimeMs === st.mtimeMs && this.#cache.size === st.size && this.#cache.ino === st.ino) return this.#cache.principals;
    let principals: Principal[];
    try {
      principals = (JSON.parse(readFileSync(this.#file, 'utf8')) as { principals: Principal[] }).principals;
      if (!Array.isArray(principals)) throw new Error('principals is not a list');
    } catch (e) {
      throw new IlogError('CORRUPT_FILE', `${this.#file} is not a valid token file (${(e as Error).message}); restore it from backup`, { file: this.#file });
    }
    this.#cache = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, principals };
    return principals;
  }

  #write(principals: Principal[]): void {
    writeFileDurable(this.#file, JSON.stringify({ principals }, null, 2) + '\n', { mode: 0o600 });
    this.#cache = undefined;
  }
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

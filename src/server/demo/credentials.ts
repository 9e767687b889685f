// The demo's secrets, generated on first start and kept in
// `<dir>/demo-credentials.txt` (mode 0600, `name=value` lines): the sample
// person's proxy password and a reviewer token. Printing them on screen is
// fine for a demo on loopback; a real deployment never shares passwords.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../../ledger/errors.js';
import { writeFileDurable } from '../../storage/durable-file.js';

export const CREDENTIALS_FILE = 'demo-credentials.txt';

export interface DemoCredentials {
  /** The sample person's password at the proxy (URL-safe, so it can sit in a postgres:// URL). */
  password: string;
  /** Bearer token of the demo reviewer (`ILOG_REVIEWER_TOKEN`), when one was issued. */
  reviewerToken?: string;
}

export function readCredentials(dir: string): DemoCredentials | undefined {
  const path = join(dir, CREDENTIALS_FILE);
  if (!existsSync(path)) return undefined;
  const kv = new Map(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const password = kv.get('password');
  if (!password) throw new IlogError('BAD_CONFIG', `${path} has no password= line; delete the demo directory to start afresh`, { file: path });
  const reviewerToken = kv.get('reviewer_token');
  return { password, ...(reviewerToken ? { reviewerToken } : {}) };
}

export function writeCredentials(dir: string, c: DemoCredentials): void {
  const lines = ['# ilog demo secrets (loopback demo only)', `password=${c.password}`, ...(c.reviewerToken ? [`reviewer_token=${c.reviewerToken}`] : [])];
  writeFileDurable(join(dir, CREDENTIALS_FILE), lines.join('\n') + '\n', { mode: 0o600 });
}

export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}

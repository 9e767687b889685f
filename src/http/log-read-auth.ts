// Read tokens for the log's read API (tlog-tiles, proofs): without them anyone
// who reaches the server reads every entry — relation names, purposes, alerts.
// Two kinds, each a TokenStore of SHA-256 hashes in the data directory:
//   read-tokens.json        `ilog_read_…`  every read route (mirrors, auditors)
//   checkpoint-tokens.json  `ilog_cp_…`    GET /checkpoint only (witnesses need nothing else)
// `ilog serve` requires one by default when it listens beyond loopback.
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { TokenStore } from '../capture/app/token-store.js';
import { IlogError } from '../ledger/errors.js';
import { bearer } from './app-errors.js';

export type ReadScope = 'all' | 'checkpoints';

export const READ_TOKEN_FILES: Readonly<Record<ReadScope, { file: string; prefix: string }>> = Object.freeze({
  all: { file: 'read-tokens.json', prefix: 'ilog_read_' },
  checkpoints: { file: 'checkpoint-tokens.json', prefix: 'ilog_cp_' },
});

export function readTokenStore(dir: string, scope: ReadScope): TokenStore {
  return new TokenStore(join(dir, READ_TOKEN_FILES[scope].file), READ_TOKEN_FILES[scope].prefix);
}

/** A request check for the read routes: a full read token anywhere, a checkpoint token on /checkpoint only. */
export function readAuth(dir: string): (req: FastifyRequest) => void {
  const all = readTokenStore(dir, 'all');
  const checkpoints = readTokenStore(dir, 'checkpoints');
  return (req) => {
    const token = bearer(req.headers.authorization);
    if (all.verify(token) !== undefined) return;
    if (checkpoints.verify(token) !== undefined) {
      if (req.url.split('?')[0] === '/checkpoint') return;
      throw new IlogError('NOT_ALLOWED', 'this token reads checkpoints only (a witness token); ask for a read token (`ilog read-token add <name>`)', { path: req.url.slice(0, 200) });
    }
    throw new IlogError('UNAUTHORIZED', 'reading this log needs `Authorization: Bearer <read token>` (issued with `ilog read-token add`; clients take $ILOG_READ_TOKEN)');
  };
}

/** Whether a listen host is loopback only (then reads may stay open by default). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

// RFC 9162 proofs over HTTP (not part of tlog-tiles, which leaves proofs to the
// client; these save a client the tile fetches):
//   GET /proof/inclusion?index=I[&size=N]    PATH(I, D[0:N])
//   GET /proof/consistency?old=M[&new=N]     PROOF(M, D[0:N])
// N defaults to the published size and may not exceed it. Hashes are base64.
import type { FastifyInstance } from 'fastify';
import { toBase64 } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';
import { consistencyProof, inclusionProof } from '../ledger/merkle.js';
import type { TileCache } from '../storage/tile-cache.js';
import type { PublishedTree } from './log-published.js';

/** Parses an optional non-negative integer query parameter (strict decimal). */
export function queryCount(query: unknown, name: string, fallback?: number): number {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new IlogError('BAD_PARAMETER', `query parameter "${name}" is required`, { field: name });
  }
  if (typeof raw !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new IlogError('BAD_PARAMETER', `query parameter "${name}" must be a non-negative integer`, { field: name });
  }
  return Number(raw);
}

export function registerProofRoutes(app: FastifyInstance, tiles: TileCache, published: PublishedTree): void {
  const publishedSize = (): number => {
    const cp = published.latest();
    if (!cp) throw new IlogError('NOT_FOUND', 'the log has no signed checkpoint yet');
    return cp.size;
  };
  const checkSize = (size: number, field: string): void => {
    const max = publishedSize();
    if (size > max) throw new IlogError('BAD_TREE_SIZE', 'size is beyond the published tree; fetch /checkpoint', { field, size, published: max });
  };

  app.get('/proof/inclusion', async (req) => {
    const size = queryCount(req.query, 'size', publishedSize());
    const index = queryCount(req.query, 'index');
    checkSize(size, 'size');
    if (index >= size) throw new IlogError('INDEX_OUT_OF_RANGE', 'index must be below size', { field: 'index', index, size });
    return { index, size, proof: inclusionProof(index, size, tiles.nodeReader(size)).map(toBase64) };
  });

  app.get('/proof/consistency', async (req) => {
    const newSize = queryCount(req.query, 'new', publishedSize());
    const oldSize = queryCount(req.query, 'old');
    checkSize(newSize, 'new');
    if (oldSize > newSize) throw new IlogError('BAD_TREE_SIZE', 'old must not exceed new', { field: 'old', old: oldSize, new: newSize });
    return { old: oldSize, new: newSize, proof: consistencyProof(oldSize, newSize, tiles.nodeReader(newSize)).map(toBase64) };
  });
}

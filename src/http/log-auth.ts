// Bearer-token check for the write API (`Authorization: Bearer <token>`, token
// from `<dir>/token`). Compared in constant time so response timing does not
// reveal how much of a guessed token was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { IlogError } from '../ledger/errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Returns a checker that throws UNAUTHORIZED unless the request carries `token`. */
export function bearerAuth(token: string): (req: FastifyRequest) => void {
  if (token.length < 16) throw new IlogError('BAD_TOKEN', 'the write token must be at least 16 characters; re-run `ilog init` or fix <dir>/token');
  // Hash both sides so the comparison is over equal lengths whatever the client sends.
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/.exec(header) : null;
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      throw new IlogError('UNAUTHORIZED', 'writes need `Authorization: Bearer <token>` with the token from <dir>/token');
    }
  };
}

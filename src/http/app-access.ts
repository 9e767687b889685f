// POST /v1/access — the application capture API (docs/alert.md): an application,
// authenticated by its own bearer token, records one data access by one of its
// users. The answer comes only after the `access` entry is durable in the log,
// so an application that waits for 201 before showing the data is fail-closed
// like the PostgreSQL proxy.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { accessEntryFromRequest } from '../capture/app/access-request.js';
import type { TokenStore } from '../capture/app/token-store.js';
import { IlogError } from '../ledger/errors.js';
import { bearer, installErrorHandler } from './app-errors.js';
import { useStrictJson } from './json-body.js';

export interface AppAccessOptions {
  /** The log writer (the Appender): resolves with the index once durable, may throw PUSHBACK. */
  writer: { append(entry: object): Promise<number> };
  /** Application tokens (`<dir>/apps.json`). */
  tokens: TokenStore;
  clock?: () => number;
}

/** Bodies above this are refused before parsing; one access entry stays far below the 64 KiB entry limit. */
const BODY_LIMIT = 48 * 1024;

export const appAccessRoutes: FastifyPluginAsync<AppAccessOptions> = async (app, o) => {
  installErrorHandler(app);
  useStrictJson(app, BODY_LIMIT);
  const clock = o.clock ?? Date.now;
  const apps = new WeakMap<object, string>();
  // Authenticate before the body is parsed: unauthenticated clients get no parser time.
  const authenticate = async (req: FastifyRequest) => {
    const name = o.tokens.verify(bearer(req.headers.authorization));
    if (!name) throw new IlogError('UNAUTHORIZED', 'missing or unknown application token; issue one with `ilog app add <name>`');
    apps.set(req, name);
  };
  app.post('/v1/access', { bodyLimit: BODY_LIMIT, onRequest: authenticate }, async (req, reply) => {
    const name = apps.get(req)!;
    const entry = accessEntryFromRequest(req.body, { app: name, nowMs: clock() });
    const index = await o.writer.append(entry);
    return reply.code(201).send({ index, source: entry.source });
  });
};

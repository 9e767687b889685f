// The log service's HTTP server (Fastify 5): the public C2SP tlog-tiles v0.1.0
// read API, RFC 9162 proof helpers, GET /health, and the bearer-authenticated
// POST /add. Reads come straight from LogStorage (any process may be appending
// to the same log.db); writes go through the Appender (group commit, pushback).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { IlogError } from '../ledger/errors.js';
import type { LogStorageReader } from '../storage/log-storage.js';
import { TileCache } from '../storage/tile-cache.js';
import { bearerAuth } from './log-auth.js';
import { installErrorHandlers } from './log-errors.js';
import { registerProofRoutes } from './log-proof-routes.js';
import { collectRoutes, openApiDocument } from './openapi.js';
import { ilogVersion } from '../log/node-started.js';
import { publishedTree, type PublishedTree } from './log-published.js';
import { registerReadRoutes } from './log-read-routes.js';
import { registerWriteRoutes, type LogWriter, type WriteLimits } from './log-write-routes.js';

export interface LogServerOptions {
  storage: LogStorageReader;
  /** Omit for a read-only server (POST /add then answers 404). */
  writer?: LogWriter;
  /** Bearer token for writes (required with `writer`). */
  token?: string;
  limits?: Partial<WriteLimits>;
  /** Request logging: a pino logger (src/export/logger.ts; requests get a `reqId`), or a boolean (default off). */
  logger?: boolean | FastifyBaseLogger;
  /** Register more routes or hooks (e.g. the application API) before the server is sealed. */
  extend?: (app: FastifyInstance) => void | Promise<void>;
  /** Witness area integration (docs/witness.md): the tree to publish instead of the latest checkpoint, e.g. a WitnessPublisher. */
  published?: PublishedTree;
  /** Witness area integration: extra fields for GET /health (witness policy, mirror status). */
  health?: () => Record<string, unknown>;
  /** Checks every read (tiles, checkpoint, proofs) before it is answered, e.g. readAuth(dir); omit for public reads. */
  readAuthorize?: (req: FastifyRequest) => void;
}

export async function createLogServer(opts: LogServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(typeof opts.logger === 'object' ? { loggerInstance: opts.logger.child({ component: 'http' }) } : { logger: opts.logger ?? false }),
    // Tile paths are short; a long URL is an attack or a mistake.
    routerOptions: { maxParamLength: 256 },
    // Reads have no body; /add sets its own limit in its scope.
    bodyLimit: 1 << 20,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  collectRoutes(app);
  installErrorHandlers(app);
  const published = opts.published ?? publishedTree(opts.storage);
  const tiles = new TileCache((level, index, width) => opts.storage.readTile(level, index, width));

  // One document for every ilog HTTP API (docs/operations.md), built once from the route schemas.
  let openapi: object | undefined;
  app.get('/openapi.json', async () => (openapi ??= openApiDocument(ilogVersion())));
  app.get('/health', async () => {
    const cp = published.latest();
    return { ok: true, origin: cp?.origin ?? null, published: cp?.size ?? 0, integrated: opts.storage.integratedSize(), sequenced: opts.storage.size(), ...opts.health?.() };
  });
  // Reads in their own scope, so the read check covers them and nothing else (/add and the app APIs have their own).
  await app.register(async (scope) => {
    if (opts.readAuthorize) {
      const check = opts.readAuthorize;
      scope.addHook('onRequest', async (req) => check(req));
    }
    registerReadRoutes(scope, opts.storage, published);
    registerProofRoutes(scope, tiles, published);
  });
  if (opts.writer) {
    if (opts.token === undefined) throw new Error('createLogServer: a writer needs a token');
    registerWriteRoutes(app, { writer: opts.writer, authorize: bearerAuth(opts.token), tiles, ...(opts.limits ? { limits: opts.limits } : {}) });
  }
  await opts.extend?.(app);
  await app.ready();
  return app;
}

/** Parses `host:port` (`[v6]:port` too); port 0 picks a free one. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new IlogError('USAGE', `--listen wants host:port, e.g. 127.0.0.1:7400 (got "${listen}")`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Starts listening; resolves with the base URL (no trailing slash). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
}

// JSON error responses for the log service: every error, ours or Fastify's,
// leaves as `{"error":{"code","message",...evidence}}` with a status derived
// from its code, and nothing a client sends can crash the process or leak a
// stack trace.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { IlogError, type ErrorCode } from '../ledger/errors.js';

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHORIZED: 401,
  KIND_NOT_ALLOWED: 403,
  NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  TILE_MISSING: 404,
  ENTRY_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PUSHBACK: 503,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

// Fastify's own error codes for malformed requests, mapped to ours.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

/** HTTP status for an IlogError code: known codes map explicitly, other client errors are 400. */
export function statusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? (code === 'INTERNAL' ? 500 : 400);
}

function toIlogError(err: unknown): IlogError {
  if (err instanceof IlogError) return err;
  const fe = err as Partial<FastifyError>;
  if (typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) return new IlogError(FASTIFY_CODES[fe.code]!, fe.message ?? 'bad request');
  // Other 4xx raised by Fastify itself (e.g. a malformed URL) are the client's fault.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new IlogError(fe.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', fe.message ?? 'bad request');
  }
  return new IlogError('INTERNAL', 'internal error; the server log has details');
}

/** Sends `err` as the JSON error body with its status (and Retry-After for pushback). */
export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = toIlogError(err);
  const status = statusFor(e.code);
  if (status === 500) reply.log.error({ err }, 'internal error');
  if (status === 503) {
    const ms = Number(e.evidence?.retryAfterMs ?? 1000);
    reply.header('Retry-After', String(Math.max(1, Math.ceil(ms / 1000))));
  }
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ error: { code: e.code, message: e.message, ...e.evidence } });
}

/** Routes every thrown error and unknown route through sendError. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => sendError(reply, err));
  app.setNotFoundHandler((req, reply) => sendError(reply, new IlogError('NOT_FOUND', 'no such endpoint; see docs/service.md for the API', { path: req.url.slice(0, 200) })));
}

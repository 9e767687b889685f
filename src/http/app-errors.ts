// One error shape for the application and alert HTTP APIs:
// `{error: {code, message, field?}}` with a status that tells the client what to
// do — 400 fix the request, 401 fix the token, 403 someone else must act, 404/409
// check the alert, 503 retry after `Retry-After` seconds (the log pushed back).
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { IlogError } from '../ledger/errors.js';

const STATUS: Record<string, number> = {
  INVALID_FIELD: 400,
  INVALID_JSON: 400,
  DUPLICATE_KEY: 400,
  UNAUTHORIZED: 401,
  LOGIN_FAILED: 401,
  CSRF_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  NOT_ALLOWED: 403,
  PURPOSE_REQUIRED: 403,
  NOT_A_RECIPIENT: 403,
  UNKNOWN_REVIEWER: 403,
  REVIEWER_KEY_UNKNOWN: 403,
  REVIEW_SIGNATURE_INVALID: 403,
  REVIEW_TIME_SKEW: 400,
  ALERT_NOT_FOUND: 404,
  ALERT_CLOSED: 409,
  SECOND_REVIEWER_REQUIRED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PUSHBACK: 503,
};

export function sendError(reply: FastifyReply, e: IlogError): FastifyReply {
  const status = STATUS[e.code] ?? 500;
  if (e.code === 'PUSHBACK') reply.header('retry-after', String(Math.max(1, Math.ceil(Number(e.evidence?.retryAfterMs ?? 1000) / 1000))));
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  const field = typeof e.evidence?.field === 'string' ? { field: e.evidence.field } : {};
  // Internal errors keep their details in the server log, not in the answer.
  const message = status === 500 ? 'internal error; see the server log' : e.message;
  return reply.code(status).send({ error: { code: status === 500 ? 'INTERNAL' : e.code, ...field, message } });
}

/** Maps every error in the plugin's scope (ours and fastify's body-parsing ones) to the shape above. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | IlogError, req, reply) => {
    if (err instanceof IlogError) return sendError(reply, err);
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'BODY_TOO_LARGE'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : err.statusCode === 400
            ? 'INVALID_JSON'
            : 'INTERNAL';
    if (code === 'INTERNAL') req.log.error(err);
    return sendError(reply, new IlogError(code, code === 'INVALID_JSON' ? `request body is not valid JSON: ${err.message}` : err.message, code === 'INVALID_JSON' ? { field: 'body' } : undefined));
  });
}

/** The bearer token of a request, if it has one. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

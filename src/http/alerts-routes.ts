// The alert API (docs/alert.md): reviewers, authenticated by their own bearer
// token (`ilog alerts token <reviewer>`), list alerts and acknowledge, comment,
// close, escalate or suppress them. Every action is a log entry signed by the
// reviewer's own key and checked by AlertService before it is appended. A reviewer
// never sees alerts about themselves: listing is filtered to alerts they are
// eligible to review, the same rule routing uses.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pageAlerts, parseAlertPage } from '../alert/filter.js';
import type { Finding } from '../detect/finding.js';
import { parseOrThrow } from '../ledger/invalid-field.js';
import { isEligible } from '../alert/router.js';
import type { AlertService, SignedAct } from '../alert/service.js';
import type { TokenStore } from '../capture/app/token-store.js';
import { IlogError } from '../ledger/errors.js';
import { bearer, installErrorHandler } from './app-errors.js';

export interface AlertsRoutesOptions {
  service: AlertService;
  /** Reviewer tokens (`<dir>/reviewers.json`); token names are reviewer names in the routing config. */
  reviewerTokens: TokenStore;
  /** Who makes the request, instead of a bearer token (the console's session, src/http/console-routes.ts); throws UNAUTHORIZED. */
  authenticate?: (req: FastifyRequest) => string;
  /** The detector's position and lag (GET /v1/detector/status). */
  detectorStatus?: () => Record<string, unknown>;
  /** Recent findings kept below the alert budget (GET /v1/findings). */
  findings?: () => readonly Finding[];
}

export const idParam = z.object({ id: z.string().regex(/^\d{1,15}$/, 'an alert id (a log index)').transform(Number) });
// Reviews arrive signed by the reviewer (src/alert/review.ts): the client sends the time it signed
// and the signature; the server rebuilds the entry with the token's reviewer and the alert id,
// so a signature made for another reviewer, alert or action does not verify.
const time = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'RFC 3339 UTC with milliseconds');
const signature = z.object({ signer: z.string().min(3).max(512), sig: z.string().min(1).max(200) }).strict();
export const ackBody = z.object({ time, note: z.string().max(2000).optional(), signature }).strict();
export const closeBody = z.object({ time, resolution: z.string().max(2000).optional(), signature }).strict();
export const commentBody = z.object({ time, text: z.string().min(1).max(2000), signature }).strict();
export const escalateBody = z.object({ time, note: z.string().max(2000).optional(), signature }).strict();
export const suppressBody = z
  .object({ time, until: time, subject: z.string().min(1).max(256).optional(), rule: z.string().min(1).max(128).optional(), reason: z.string().min(1).max(2000), signature })
  .strict();

const parse = <T>(schema: z.ZodType<T>, input: unknown): T => parseOrThrow(schema, input ?? {});

export const alertsRoutes: FastifyPluginAsync<AlertsRoutesOptions> = async (app, o) => {
  installErrorHandler(app);
  const reviewers = new WeakMap<object, string>();
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const name = o.authenticate ? o.authenticate(req) : o.reviewerTokens.verify(bearer(req.headers.authorization));
    if (!name) throw new IlogError('UNAUTHORIZED', 'missing or unknown reviewer token; issue one with `ilog alerts token <reviewer>`');
    reviewers.set(req, name);
  });
  const who = (req: FastifyRequest) => reviewers.get(req)!;
  const visible = (req: FastifyRequest) => (a: Parameters<typeof isEligible>[2]) => isEligible(o.service.config, who(req), a);

  app.get('/v1/alerts', async (req) => {
    const q = parseAlertPage((req.query ?? {}) as Record<string, unknown>);
    const page = await o.service.page(q, visible(req));
    return { alerts: page.items, total: page.total, ...(page.next !== undefined ? { next: page.next } : {}) };
  });

  app.get('/v1/detector/status', async () => {
    if (!o.detectorStatus) throw new IlogError('NOT_FOUND', 'no detector runs in this server');
    return o.detectorStatus();
  });

  // Findings kept below the daily budget: visible to reviewers, never about themselves.
  app.get('/v1/findings', async (req) => {
    const q = parseAlertPage((req.query ?? {}) as Record<string, unknown>);
    const me = who(req);
    const all = (o.findings?.() ?? []).filter((f) => f.subject !== me && !f.alsoConcerns.includes(me) && (q.subject === undefined || f.subject === q.subject));
    const page = pageAlerts(all.map((f, id) => ({ ...f, finding: f.id, id })), q);
    return { findings: page.items, total: page.total, ...(page.next !== undefined ? { next: page.next } : {}) };
  });

  app.get('/v1/alerts/:id', async (req) => {
    const { id } = parse(idParam, req.params);
    const a = await o.service.get(id);
    if (!a || !visible(req)(a)) throw new IlogError('ALERT_NOT_FOUND', `no alert ${id} you may see; list them with \`ilog alerts list\``, { alert: id });
    return { alert: a };
  });

  const act = (kind: SignedAct['kind'], schema: z.ZodType<Record<string, unknown> & { time: string; signature: SignedAct['signature'] }>) =>
    async (req: FastifyRequest) => {
      const { id } = parse(idParam, req.params);
      const body = parse(schema, req.body);
      return { alert: await o.service.act({ ...body, kind, alert: id, by: who(req) }) };
    };
  app.post('/v1/alerts/:id/ack', act('alert.ack', ackBody));
  app.post('/v1/alerts/:id/close', act('alert.closed', closeBody));
  app.post('/v1/alerts/:id/comment', act('alert.comment', commentBody));
  app.post('/v1/alerts/:id/escalate', act('alert.escalate', escalateBody));

  app.post('/v1/alerts/suppressions', async (req, reply) => {
    const { subject, rule, ...b } = parse(suppressBody, req.body);
    const match = { ...(subject ? { subject } : {}), ...(rule ? { rule } : {}) };
    return reply.code(201).send({ suppression: await o.service.suppress({ kind: 'alert.suppressed', ...b, match, by: who(req) }) });
  });
};

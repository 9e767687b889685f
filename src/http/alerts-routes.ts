// The alert API (docs/alert.md): reviewers, authenticated by their own bearer
// token (`ilog alerts token <reviewer>`), list alerts and acknowledge, close or
// suppress them. Every action is a log entry appended by AlertService. A reviewer
// never sees alerts about themselves: listing is filtered to alerts they are
// eligible to review, the same rule routing uses.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pageAlerts, parseAlertPage } from '../alert/filter.js';
import type { Finding } from '../detect/finding.js';
import { parseOrThrow } from '../alert/invalid-field.js';
import { isEligible } from '../alert/router.js';
import type { AlertService } from '../alert/service.js';
import type { TokenStore } from '../capture/app/token-store.js';
import { IlogError } from '../ledger/errors.js';
import { bearer, installErrorHandler } from './app-errors.js';

export interface AlertsRoutesOptions {
  service: AlertService;
  /** Reviewer tokens (`<dir>/reviewers.json`); token names are reviewer names in the routing config. */
  reviewerTokens: TokenStore;
  /** The detector's position and lag (GET /v1/detector/status). */
  detectorStatus?: () => Record<string, unknown>;
  /** Recent findings kept below the alert budget (GET /v1/findings). */
  findings?: () => readonly Finding[];
}

export const idParam = z.object({ id: z.string().regex(/^\d{1,15}$/, 'an alert id (a log index)').transform(Number) });
export const ackBody = z.object({ note: z.string().max(2000).optional() }).strict();
export const closeBody = z.object({ resolution: z.string().max(2000).optional() }).strict();
export const suppressBody = z
  .object({ subject: z.string().min(1).max(256).optional(), rule: z.string().min(1).max(128).optional(), minutes: z.number().positive().max(43_200), reason: z.string().min(1).max(2000) })
  .strict();

const parse = <T>(schema: z.ZodType<T>, input: unknown): T => parseOrThrow(schema, input ?? {});

export const alertsRoutes: FastifyPluginAsync<AlertsRoutesOptions> = async (app, o) => {
  installErrorHandler(app);
  const reviewers = new WeakMap<object, string>();
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const name = o.reviewerTokens.verify(bearer(req.headers.authorization));
    if (!name) throw new IlogError('UNAUTHORIZED', 'missing or unknown reviewer token; issue one with `ilog alerts token <reviewer>`');
    reviewers.set(req, name);
  });
  const who = (req: FastifyRequest) => reviewers.get(req)!;
  const visible = (req: FastifyRequest) => (a: Parameters<typeof isEligible>[2]) => isEligible(o.service.config, who(req), a);

  app.get('/v1/alerts', async (req) => {
    const q = parseAlertPage((req.query ?? {}) as Record<string, unknown>);
    const { rule: _r, minScore: _m, sort: _s, limit: _l, offset: _o, ...filter } = q;
    const page = pageAlerts((await o.service.list(filter)).filter(visible(req)), q);
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
    if (!a || !visible(req)(a)) throw new IlogError('ALERT_NOT_FOUND', `no alert ${id} you may see`, { alert: id });
    return { alert: a };
  });

  app.post('/v1/alerts/:id/ack', async (req) => {
    const { id } = parse(idParam, req.params);
    const { note } = parse(ackBody, req.body);
    return { alert: await o.service.ack(id, who(req), note) };
  });

  app.post('/v1/alerts/:id/close', async (req) => {
    const { id } = parse(idParam, req.params);
    const { resolution } = parse(closeBody, req.body);
    return { alert: await o.service.close(id, who(req), resolution) };
  });

  app.post('/v1/alerts/suppressions', async (req, reply) => {
    const b = parse(suppressBody, req.body);
    const match = { ...(b.subject ? { subject: b.subject } : {}), ...(b.rule ? { rule: b.rule } : {}) };
    return reply.code(201).send({ suppression: await o.service.suppress(match, b.minutes * 60_000, who(req), b.reason) });
  });
};

// The OpenAPI 3.1 document of every ilog HTTP API (log service, application
// capture, alerts, operations, witness), served at GET /openapi.json. Request
// bodies and parameters come from the zod schemas the routes validate with
// (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses), so the document
// cannot drift from what the server accepts. collectRoutes() records what a
// server registered; the tests check that every route is in the document.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accessRequestSchema } from '../capture/app/access-request.js';
import { contextUpdateSchema } from '../capture/app/context-request.js';
import { accessSchema } from '../ledger/entries/access.js';
import { ackBody, closeBody, commentBody, escalateBody, idParam, suppressBody } from './alerts-routes.js';
import { loginBody, lookupBody, personParam, reportBody } from './console-routes.js';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

const error = { description: 'an error with a code (docs/errors.md)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const ok = (description: string, body: Json = { type: 'object' }, type = 'application/json'): Json => ({ description, content: { [type]: { schema: body } } });
const jsonBody = (s: z.ZodType, description?: string): Json => ({ required: true, ...(description ? { description } : {}), content: { 'application/json': { schema: schema(s) } } });
const pathParams = (s: z.ZodObject): Json[] => Object.entries(schema(s).properties as Record<string, Json>).map(([name, sch]) => ({ name, in: 'path', required: true, schema: sch }));
const query = (name: string, description: string, required = false): Json => ({ name, in: 'query', required, description, schema: { type: 'string' } });

const bearer = [{ bearer: [] }];

function op(tag: string, summary: string, extra: Json = {}): Json {
  return { tags: [tag], summary, responses: { '200': ok('success'), default: error }, ...extra };
}

export function openApiDocument(version: string): Json {
  const alertId = pathParams(idParam);
  const doc = {
    openapi: '3.1.0',
    info: { title: 'ilog HTTP APIs', version, description: 'The log service (C2SP tlog-tiles read API, proofs, POST /add), the application capture API, the alerts API, operations endpoints and the witness (C2SP tlog-witness). docs/service.md, docs/alert.md, docs/operations.md, docs/witness.md.', license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    tags: [{ name: 'log' }, { name: 'app' }, { name: 'alerts' }, { name: 'console', description: "the reviewers' web console at /ui (docs/console.md)" }, { name: 'operations' }, { name: 'witness', description: 'served by `ilog witness`, not by `ilog serve`' }],
    components: {
      securitySchemes: { console: { type: 'apiKey', in: 'cookie', name: 'ilog_console', description: 'console session (docs/console.md); POSTs also need the x-ilog-csrf header' }, bearer: { type: 'http', scheme: 'bearer', description: 'write token (POST /add), application token (/v1/access, /v1/context), reviewer token (/v1/alerts…), read token (reads, when required)' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
        AccessEntry: schema(accessSchema),
      },
    },
    paths: {
      '/health': { get: op('log', 'server status: origin, published, integrated and sequenced sizes (witness: origins followed)') },
      '/checkpoint': { get: op('log', 'the latest published checkpoint (C2SP signed note)', { responses: { '200': ok('signed checkpoint note', { type: 'string' }, 'text/plain'), default: error } }) },
      '/tile/{tilePath}': {
        get: op('log', 'a hash tile or entry bundle (C2SP tlog-tiles v0.1.0 paths, e.g. tile/0/x001/067.p/8 or tile/entries/000)', {
          parameters: [{ name: 'tilePath', in: 'path', required: true, description: 'the rest of the tile path, slashes included', schema: { type: 'string' } }],
          responses: { '200': ok('tile bytes', { type: 'string', contentEncoding: 'binary' }, 'application/octet-stream'), default: error },
        }),
      },
      '/proof/inclusion': { get: op('log', 'RFC 9162 inclusion proof of an entry', { parameters: [query('index', 'entry index', true), query('size', 'tree size (default: published)')] }) },
      '/proof/consistency': { get: op('log', 'RFC 9162 consistency proof between two tree sizes', { parameters: [query('old', 'old tree size', true), query('new', 'new tree size (default: published)')] }) },
      '/add': {
        post: op('log', 'append one entry (JSON) or a batch (NDJSON, one entry per line); durable when answered', {
          security: bearer,
          parameters: [query('wait', '"integrated": answer with a checkpoint and inclusion proof')],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AccessEntry', description: 'an entry (access shown; every registered kind is accepted, subject to the write token authority rules)' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
        }),
      },
      '/v1/access': { post: op('app', 'record accesses made through an application (one JSON object, a JSON array or NDJSON)', { security: bearer, requestBody: jsonBody(accessRequestSchema), responses: { '201': ok('appended'), default: error } }) },
      '/v1/context': { post: op('app', 'send directory and relationship context for the detector', { security: bearer, requestBody: jsonBody(contextUpdateSchema), responses: { '201': ok('appended'), default: error } }) },
      '/v1/alerts': { get: op('alerts', 'alerts the reviewer may see (never about themselves)', { security: bearer, parameters: [query('status', 'open, acknowledged, closed'), query('limit', 'page size'), query('before', 'page cursor')] }) },
      '/v1/alerts/{id}': { get: op('alerts', 'one alert', { security: bearer, parameters: alertId }) },
      '/v1/alerts/{id}/ack': { post: op('alerts', 'acknowledge an alert (a signed log entry)', { security: bearer, parameters: alertId, requestBody: jsonBody(ackBody) }) },
      '/v1/alerts/{id}/close': { post: op('alerts', 'close an alert', { security: bearer, parameters: alertId, requestBody: jsonBody(closeBody) }) },
      '/v1/alerts/{id}/comment': { post: op('alerts', 'comment on an alert (a signed log entry)', { security: bearer, parameters: alertId, requestBody: jsonBody(commentBody) }) },
      '/v1/alerts/{id}/escalate': { post: op('alerts', 'escalate an alert to more reviewers (a signed log entry)', { security: bearer, parameters: alertId, requestBody: jsonBody(escalateBody) }) },
      '/v1/alerts/suppressions': { post: op('alerts', 'suppress alerts matching a subject and/or rule for a while', { security: bearer, requestBody: jsonBody(suppressBody), responses: { '201': ok('suppression recorded'), default: error } }) },
      '/v1/detector/status': { get: op('alerts', "the detector's position and lag", { security: bearer }) },
      '/v1/findings': { get: op('alerts', 'recent findings kept below the alert budget', { security: bearer }) },
      '/metrics': { get: op('operations', 'Prometheus metrics (text format 0.0.4)', { responses: { '200': ok('metrics', { type: 'string' }, 'text/plain'), default: error } }) },
      '/healthz': { get: op('operations', 'liveness') },
      '/readyz': { get: op('operations', 'readiness with the reason of each unmet check', { responses: { '200': ok('ready'), '503': ok('not ready, with reasons'), default: error } }) },
      '/openapi.json': { get: op('operations', 'this document') },
      '/add-checkpoint': {
        post: op('witness', 'C2SP tlog-witness v1.0.0: cosign a checkpoint consistent with the last one seen', {
          requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } } } },
          responses: { '200': ok('cosignature lines', { type: 'string' }, 'text/plain'), '409': ok('the witness has another size', { type: 'string' }, 'text/plain'), default: error },
        }),
      },
    },
  };
  return { ...doc, paths: { ...doc.paths, ...consolePaths(doc.paths as Record<string, Record<string, Json>>) } };
}

/** The console (docs/console.md): its page and files, sign-in, and the alert API again behind the session cookie. */
function consolePaths(paths: Record<string, Record<string, Json>>): Record<string, Json> {
  const session = [{ console: [] }];
  const c = (summary: string, extra: Json = {}): Json => op('console', summary, { security: session, ...extra });
  const page = (summary: string): Json => op('console', summary, { responses: { '200': ok('a file', { type: 'string' }, 'text/html'), default: error } });
  const alertApi = Object.entries(paths)
    .filter(([path]) => path.startsWith('/v1/alerts') || path === '/v1/detector/status' || path === '/v1/findings')
    .map(([path, ops]) => [`/ui/api${path}`, Object.fromEntries(Object.entries(ops).map(([m, o]) => [m, { ...o, tags: ['console'], security: session }]))]);
  return {
    '/ui': { get: page('redirects to /ui/') },
    '/ui/': { get: page('the console page') },
    '/ui/{tilePath}': { get: page('a console file from ui/') },
    '/ui/vendor/{tilePath}': { get: page('an ES module of age-encryption or its @noble/@scure dependencies') },
    '/ui/api/login/challenge': { get: op('console', 'a one-use sign-in challenge') },
    '/ui/api/login': { post: op('console', 'sign in with a signature over the challenge by the registered reviewer key', { requestBody: jsonBody(loginBody) }) },
    '/ui/api/logout': { post: c('sign out') },
    '/ui/api/me': { get: c('who is signed in, and the CSRF token') },
    ...Object.fromEntries(alertApi),
    '/ui/api/alerts/{id}/evidence': { get: c('the cited entries with inclusion proofs to the published checkpoint', { parameters: pathParams(idParam) }) },
    '/ui/api/health': { get: c('log health: checkpoint and its signers, witnesses, read tokens, last verification, console index, reconciliation and detector lag') },
    '/ui/api/person/{name}/timeline': {
      get: c("a person's accesses per day and hour, tables, purposes, risk, newest accesses with proofs", {
        parameters: [...pathParams(personParam), query('purpose', 'why (logged); required unless an alert about the person is routed to the viewer')],
      }),
    },
    '/ui/api/lookup': { post: c('who accessed a record (logged, purpose required)', { requestBody: jsonBody(lookupBody) }) },
    '/ui/api/report': { post: c('the subject access report for a record, JSON or HTML (logged, purpose required)', { requestBody: jsonBody(reportBody) }) },
  };
}

/** Fastify's route URL in OpenAPI path form (`:id` → `{id}`, a trailing `*` → `{tilePath}`). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{tilePath}');
}

const registered = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Records every route registered on `app` from now on (call before registering routes). */
export function collectRoutes(app: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  registered.set(app, routes);
  return routes;
}

/** What collectRoutes() saw on `app` (for tests and diagnostics). */
export function registeredRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return registered.get(app) ?? [];
}

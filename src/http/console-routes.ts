// The reviewers' web console (docs/console.md), served by `ilog serve` at /ui:
//   GET  /ui/…                        static files from the repository's ui/ folder and the
//                                     few ES modules the page imports from node_modules (no CDN)
//   GET  /ui/api/login/challenge      a one-use challenge; POST /ui/api/login with its signature
//   GET  /ui/api/me, POST /ui/api/logout
//   /ui/api/v1/alerts…                the alert API (alerts-routes.ts) behind the session instead
//                                     of a bearer token; reviews stay signed in the browser
//   GET  /ui/api/alerts/:id/evidence  the cited entries with inclusion proofs to the latest
//                                     signed checkpoint, for the page to verify itself
//   GET  /ui/api/person/:name/timeline  a person's accesses per day and hour, tables, purposes, risk;
//                                     only for a person an alert routed to the viewer is about, or
//                                     with a stated ?purpose= that is logged
//   GET  /ui/api/health               log health: published checkpoint, its signers and the witnesses,
//                                     read tokens (mirrors), last verification, reconciliation and detector lag
//   POST /ui/api/lookup               "who accessed record X" (HMAC of X with hmac.key)
//   POST /ui/api/report               the subject access report for record X (JSON or HTML)
// Every answer that shows data is preceded by an `access` entry (source `console`,
// the viewer as person, a purpose) made durable first: no log entry, no data.
// Look-ups, reports and timelines read the console index (console-index.ts); every
// entry they show is re-read from the log and comes with an inclusion proof.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AlertService } from '../alert/service.js';
import type { ReviewerKeys } from '../alert/review.js';
import { isEligible } from '../alert/router.js';
import { parseOrThrow } from '../ledger/invalid-field.js';
import { toBase64 } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';
import { leafHash } from '../ledger/hash.js';
import { inclusionProof, verifyInclusion } from '../ledger/merkle.js';
import type { LogStorage } from '../storage/log-storage.js';
import { TileCache } from '../storage/tile-cache.js';
import { alertsRoutes } from './alerts-routes.js';
import { installErrorHandler } from './app-errors.js';
import { ConsoleSessions } from './console-session.js';
import { publishedTree, type PublishedTree } from './log-published.js';
import type { TokenStore } from '../capture/app/token-store.js';
import { ConsoleIndex } from './console-index.js';
import { entryText, findRecordAccesses } from './console-lookup.js';
import { alertsViewedBy, personTimeline } from './console-timeline.js';
import type { GovernanceSigner } from '../governance/signing.js';
import { buildAccessReport, renderReportHtml } from '../report/access-report.js';
import type { PublisherStatus } from '../witness/publisher.js';
import { parseNote } from '../ledger/note.js';
import { logHealthFacts } from './console-health.js';

export interface ConsoleOptions {
  service: AlertService;
  keys: ReviewerKeys;
  origin: string;
  storage: LogStorage;
  /** Appends durably (the Appender). */
  writer: { append(entry: object): Promise<number> };
  /** The log's verifier key (`<dir>/log.vkey`), which the page checks checkpoints against. */
  logVkey: string;
  /** `<dir>/hmac.key`, for record look-ups. */
  hmacKey: Buffer;
  /** The log's signing key: it signs subject access reports. */
  logSigner: GovernanceSigner;
  reviewerTokens: TokenStore;
  /** The detector's position and lag, for the health page. */
  detectorStatus?: () => Record<string, unknown>;
  /** The published tree (witness-cosigned checkpoints); default: the latest checkpoint in storage. */
  published?: PublishedTree;
  /** The witness publisher's state, on a log with a witness policy (docs/witness.md). */
  witnessStatus?: () => PublisherStatus;
  /** The data directory, for the health page: read tokens (mirrors) and the reconciler's cursor. */
  dir?: string;
  /** The console index's SQLite file (default: in memory, rebuilt at each start). */
  indexFile?: string;
  /** How often the index is audited against the log (ms, default 6 h; 0: only once, after start). */
  auditMs?: number;
  idleMs?: number;
  clock?: () => number;
}

// src/http or dist/http → the repository root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI_DIR = join(ROOT, 'ui');
/** The packages the page imports (age-encryption and its dependencies), served read-only from node_modules. */
const VENDOR = ['age-encryption', '@noble/hashes', '@noble/curves', '@noble/ciphers', '@noble/post-quantum', '@scure/base'];
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
// The page's one inline script is its import map (age-encryption and its @noble/@scure
// dependencies, served below from node_modules); the CSP allows exactly it, by hash.
function importMapHash(): string {
  const m = /<script type="importmap">([^<]*)<\/script>/.exec(readFileSync(join(UI_DIR, 'index.html'), 'utf8'));
  return m ? ` 'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'` : '';
}
const CSP = () => `default-src 'self'; script-src 'self'${importMapHash()}; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;

/** A file under `base` named by an untrusted relative path, or undefined (no escaping `base`, no dotfiles). */
function fileUnder(base: string, rel: string): string | undefined {
  if (!/^[A-Za-z0-9_@./-]{1,200}$/.test(rel) || rel.split('/').some((p) => p === '' || p.startsWith('.'))) return undefined;
  const file = resolve(base, rel);
  try {
    const real = realpathSync(file);
    if (!real.startsWith(realpathSync(base) + sep) || !statSync(real).isFile()) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

export const loginBody = z.object({ reviewer: z.string().min(1).max(256), nonce: z.string().min(16).max(100), sig: z.string().min(1).max(200) }).strict();
export const personParam = z.object({ name: z.string().min(1).max(256) });
const purposeField = z.string().trim().min(3, 'a purpose is required').max(1000);
const timelineQuery = z.object({ purpose: purposeField.optional() });
const idParam = z.object({ id: z.string().regex(/^\d{1,15}$/, 'an alert id (a log index)').transform(Number) });
const lookupFields = { value: z.string().min(1).max(1000), purpose: purposeField };
export const lookupBody = z.object(lookupFields).strict();
export const reportBody = z.object({ ...lookupFields, format: z.enum(['json', 'html']).default('json') }).strict();

export async function registerConsole(app: FastifyInstance, o: ConsoleOptions): Promise<ConsoleIndex> {
  const sessions = new ConsoleSessions({ origin: o.origin, keys: o.keys, isReviewer: (n) => n in o.service.config.reviewers, ...(o.idleMs ? { idleMs: o.idleMs } : {}), ...(o.clock ? { clock: o.clock } : {}) });
  const published = o.published ?? publishedTree(o.storage);
  const tiles = new TileCache((level, index, width) => o.storage.readTile(level, index, width));
  const clock = o.clock ?? Date.now;
  const index = ConsoleIndex.open(o.indexFile ?? ':memory:', { storage: o.storage, vkey: o.logVkey, origin: o.origin, hmacKey: o.hmacKey, clock });
  // The audit re-reads the whole log in the background, a block per event-loop turn.
  const audit = () => void index.audit().catch((e: unknown) => app.log.error({ err: e }, 'console index audit failed'));
  const auditTimer =
    o.auditMs === 0
      ? undefined
      : setTimeout(function again() {
          audit();
          auditTimer?.refresh();
        }, o.auditMs ?? 6 * 3600_000);
  auditTimer?.unref();
  setImmediate(audit);
  // New signed checkpoints are indexed in the background; a query indexes at most a bounded batch itself.
  let catching: Promise<void> | undefined;
  const catchUpTimer = setInterval(() => {
    catching ??= index.catchUp().catch((e: unknown) => app.log.error({ err: e }, 'console index catch-up failed')).finally(() => (catching = undefined));
  }, 1000);
  catchUpTimer.unref();
  app.addHook('onClose', async () => {
    clearTimeout(auditTimer);
    clearInterval(catchUpTimer);
    await catching;
    index.close();
  });

  /** Entries with inclusion proofs to the published checkpoint (checked here too); newer ones are pending. */
  const proven = (indexes: number[], required = true) => {
    const cp = published.latest();
    if (!cp && !required) return { checkpoint: null, logVkey: o.logVkey, entries: [], pending: indexes };
    if (!cp) throw new IlogError('NOT_FOUND', 'the log has no signed checkpoint yet; wait for the checkpointer');
    const nodes = tiles.nodeReader(cp.size);
    const entries = indexes.filter((i) => i < cp.size).map((i) => {
      const entry = entryText(o.storage, i);
      const proof = inclusionProof(i, cp.size, nodes);
      verifyInclusion(i, cp.size, leafHash(new TextEncoder().encode(entry)), proof, cp.root);
      return { index: i, entry, proof: proof.map(toBase64) };
    });
    return { checkpoint: cp.note, logVkey: o.logVkey, entries, pending: indexes.filter((i) => i >= cp.size) };
  };

  /** Logs that `person` is shown `what` for `purpose`; resolves once durable (fail closed). */
  const logView = (person: string, what: string[], purpose: string, action = 'view') =>
    o.writer.append({ v: 1, kind: 'access', time: new Date(clock()).toISOString(), source: 'console', person, action, resource: { type: 'console', ids: what }, purpose });

  app.get('/ui', async (_req, reply) => reply.redirect('/ui/'));
  const csp = CSP();
  await app.register(async (s) => {
    s.addHook('onSend', async (_req, reply) => {
      reply.header('content-security-policy', csp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', 'no-store');
    });
    const send = (file: string | undefined, reply: import('fastify').FastifyReply) => {
      if (!file) throw new IlogError('NOT_FOUND', 'no such console file');
      return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(readFileSync(file));
    };
    installErrorHandler(s);
    s.get('/ui/', async (_req, reply) => send(fileUnder(UI_DIR, 'index.html'), reply));
    s.get('/ui/vendor/*', async (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      const pkg = VENDOR.find((p) => rel.startsWith(p + '/'));
      if (!pkg || extname(rel) !== '.js') throw new IlogError('NOT_FOUND', 'no such console file');
      return send(fileUnder(join(ROOT, 'node_modules', pkg), rel.slice(pkg.length + 1)), reply);
    });
    s.get('/ui/*', async (req, reply) => send(fileUnder(UI_DIR, (req.params as { '*': string })['*']), reply));
  });

  await app.register(async (api) => {
    installErrorHandler(api);
    api.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });
    api.get('/ui/api/login/challenge', async () => sessions.challenge());
    api.post('/ui/api/login', async (req, reply) => sessions.signIn(parseOrThrow(loginBody, req.body ?? {}), req, reply));
    api.post('/ui/api/logout', async (req, reply) => {
      sessions.require(req);
      sessions.signOut(req, reply);
      return { ok: true };
    });
    api.get('/ui/api/me', async (req) => {
      const s = sessions.require(req);
      return { reviewer: s.reviewer, csrf: s.csrf, vkey: o.keys.current(s.reviewer)?.vkey ?? null, origin: o.origin, idleSeconds: sessions.idleMs / 1000 };
    });

    // Views that show data are logged before they are sent (onSend: a failed append fails the
    // answer). The route pattern and the alert id are logged, never the query (a filter by person
    // names that person); refusals (404 as for a missing alert) show nothing and log nothing.
    const viewer = (req: FastifyRequest): string => sessions.require(req).reviewer;
    const UNLOGGED = new Set(['/ui/api/login/challenge', '/ui/api/me']);
    /** A purpose a handler stated for its view (default: alert review). */
    const purposes = new WeakMap<FastifyRequest, string>();
    api.addHook('onSend', async (req, reply, payload) => {
      const route = req.routeOptions.url ?? '';
      if (req.method !== 'GET' || reply.statusCode !== 200 || UNLOGGED.has(route)) return payload;
      const { id, name } = (req.params ?? {}) as { id?: string; name?: string };
      await logView(viewer(req), [route.replace(':id', id ?? ':id').replace(':name', name ?? ':name')], purposes.get(req) ?? 'alert review');
      return payload;
    });
    await api.register(alertsRoutes, { prefix: '/ui/api', service: o.service, reviewerTokens: o.reviewerTokens, authenticate: viewer, ...(o.detectorStatus ? { detectorStatus: o.detectorStatus } : {}) });

    api.get('/ui/api/alerts/:id/evidence', async (req) => {
      const me = viewer(req);
      const { id } = parseOrThrow(idParam, req.params ?? {});
      const a = await o.service.get(id);
      if (!a || !isEligible(o.service.config, me, a)) throw new IlogError('ALERT_NOT_FOUND', `no alert ${id} you may see`, { alert: id });
      const p = proven([...new Set([...(a.entries ?? []), a.id])].sort((x, y) => x - y));
      return { ...p, pending: p.pending.filter((i) => i !== a.id) };
    });

    // Log health (docs/console.md "Log health").
    api.get('/ui/api/health', async (req) => {
      viewer(req);
      const cp = published.latest();
      return {
        checkpoint: cp ? { origin: cp.origin, size: cp.size, signers: parseNote(cp.note).signatures.map((x) => x.name) } : null,
        sequenced: o.storage.size(),
        integrated: o.storage.integratedSize(),
        detector: o.detectorStatus?.() ?? null,
        witnesses: o.witnessStatus?.() ?? null,
        index: index.status(),
        ...logHealthFacts(o.dir, o.storage.size(), clock),
      };
    });

    // A person's timeline, and the risk of the alerts about them that this viewer may see.
    // Who may see it (docs/console.md "Who sees a timeline"): a reviewer to whom an alert about
    // the person is routed (their group's case), or anyone stating a purpose, which is logged
    // with the view. Console views of alerts the viewer may not see (those about themselves)
    // are left out of every timeline, so nobody sees traces of alerts about themselves.
    api.get('/ui/api/person/:name/timeline', async (req) => {
      const me = viewer(req);
      const { name } = parseOrThrow(personParam, req.params ?? {});
      const { purpose } = parseOrThrow(timelineQuery, req.query ?? {});
      const about = (await o.service.list({ subject: name })).filter((a) => isEligible(o.service.config, me, a));
      // Only the alerts this person's views name can leave traces in their timeline: those
      // the viewer may see are shown; any other (or named by a view logged meanwhile) is not.
      // One refresh and no view built per alert: a reviewer's views can name thousands of alerts.
      const viewed = await o.service.facts(alertsViewedBy(index, o.storage, o.hmacKey, name));
      const shown = viewed.filter((a) => isEligible(o.service.config, me, a)).map((a) => a.id);
      const inScope = about.some((a) => a.recipients.includes(me));
      if (!inScope && purpose === undefined) {
        throw new IlogError('PURPOSE_REQUIRED', `no alert about ${name} is routed to you: state a purpose to see their timeline (it is logged)`, { person: name });
      }
      purposes.set(req, purpose ?? 'alert review');
      const risk = about.map((a) => ({ id: a.id, time: a.time, score: a.score, severity: a.severity, rule: a.rule })).sort((a, b) => a.time.localeCompare(b.time));
      const t = personTimeline(index, o.storage, o.hmacKey, name, shown);
      return { ...t, recent: proven(t.recent, false), risk };
    });

    api.post('/ui/api/lookup', async (req) => {
      const me = viewer(req);
      const { value, purpose } = parseOrThrow(lookupBody, req.body ?? {});
      const found = findRecordAccesses(index, o.storage, o.hmacKey, value);
      // The look-up is itself an access: by the reviewer, to the record (named by its HMAC tag only).
      const logged = await logView(me, [found.tag], purpose, 'lookup');
      return { tag: found.tag, logged, accesses: found.accesses, proofs: proven(found.accesses.map((a) => a.index), false) };
    });

    api.post('/ui/api/report', async (req, reply) => {
      const me = viewer(req);
      const { value, purpose, format } = parseOrThrow(reportBody, req.body ?? {});
      const cp = published.latest();
      if (!cp) throw new IlogError('NOT_FOUND', 'the log has no signed checkpoint yet; wait for the checkpointer');
      const found = findRecordAccesses(index, o.storage, o.hmacKey, value);
      await logView(me, [found.tag], purpose, 'report');
      const report = buildAccessReport({
        origin: o.origin,
        logSigner: o.logSigner,
        record: { value, tag: found.tag },
        generated: { time: new Date(clock()).toISOString(), by: me, purpose },
        checkpoint: cp,
        nodes: tiles.nodeReader(cp.size),
        readEntry: (i) => o.storage.readEntries(i, i + 1)[0]!,
        accesses: found.accesses.map((a) => ({ index: a.index, ...(a.outcome !== undefined ? { outcome: a.outcome } : {}) })),
      });
      if (format === 'json') return report;
      return reply.type('text/html; charset=utf-8').header('content-disposition', 'attachment; filename="access-report.html"').send(renderReportHtml(report));
    });
  });
  return index;
}

// POST /v1/access — the application capture API (docs/alert.md): an application,
// authenticated by its own bearer token, records data accesses by its users:
// one JSON object, a JSON array, or NDJSON (application/x-ndjson), up to
// MAX_BATCH accesses. A batch is all or nothing: every item is validated first
// (an error names the item, `3.resource.id`), then all are appended in one
// durable commit. The answer comes only once they are durable, so an app that
// waits for 201 before showing the data is fail-closed like the proxy.
// POST /v1/context — the organisation's context (directory, relationships,
// resources, sensitive subjects) as a `context.update` entry, for apps holding
// the `context` permission: context explains accesses away, so it is logged.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { accessEntryJson, utf8Many } from '../capture/app/access-bytes.js';
import { accessEntryFromRequest, type AccessEntryOptions } from '../capture/app/access-request.js';
import { contextEntry } from '../capture/app/context-request.js';
import type { TokenStore } from '../capture/app/token-store.js';
import { IlogError } from '../ledger/errors.js';
import { bearer, installErrorHandler } from './app-errors.js';
import { duplicateKey, repeatsAKey, useStrictJson } from './json-body.js';

export interface AppAccessOptions {
  /** The log writer (the Appender): resolves with the index once durable, may throw PUSHBACK; appendMany commits a batch at once (objects, or canonical entry bytes from the fast path). */
  writer: { append(entry: object): Promise<number>; appendMany?(entries: readonly (object | Uint8Array)[]): Promise<number[]> };
  /** Application tokens (`<dir>/apps.json`); scopes `backfill` and `context` grant the extra permissions. */
  tokens: TokenStore;
  clock?: () => number;
}

/** One access entry stays far below the 64 KiB entry limit; a batch is bounded by count and bytes. */
const ITEM_LIMIT = 48 * 1024;
const BODY_LIMIT = 16 * 1024 * 1024;
export const MAX_BATCH = 10_000;

function ndjson(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.length > ITEM_LIMIT) throw new IlogError('BODY_TOO_LARGE', `line ${i + 1} is over ${ITEM_LIMIT} bytes`, { field: String(out.length) });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new IlogError('INVALID_JSON', `line ${i + 1} is not valid JSON`, { field: String(out.length) });
    }
    out.push(value);
    const dup = repeatsAKey(line, value) ? duplicateKey(line) : undefined; // no last-one-wins in a batch either (json-body.ts)
    if (dup) throw new IlogError('DUPLICATE_KEY', `line ${i + 1} names "${dup.key}" twice; send each field once`, { field: `${out.length - 1}.${dup.key}` });
    if (out.length > MAX_BATCH) throw new IlogError('BODY_TOO_LARGE', `more than ${MAX_BATCH} accesses in one request; split the batch`, { field: 'body' });
  }
  return out;
}

/** Build every entry of a batch, or throw naming the first bad item (`<i>.<field>`). */
function entriesOf<T>(items: readonly unknown[], build: (item: unknown) => T): T[] {
  if (items.length === 0) throw new IlogError('INVALID_FIELD', 'the batch is empty; send at least one access', { field: 'body' });
  if (items.length > MAX_BATCH) throw new IlogError('BODY_TOO_LARGE', `more than ${MAX_BATCH} accesses in one request; split the batch`, { field: 'body' });
  return items.map((item, i) => {
    try {
      return build(item);
    } catch (e) {
      if (e instanceof IlogError && e.code === 'INVALID_FIELD') throw new IlogError(e.code, `access ${i}: ${e.message}`, { ...e.evidence, field: `${i}.${String(e.evidence?.field ?? 'body')}` });
      throw e;
    }
  });
}

/**
 * A batch's entries: plain valid accesses take the fast path (canonical text at once,
 * access-bytes.ts; the whole batch encoded into one buffer); the rest the schema path, which names errors.
 */
function batchEntries(items: readonly unknown[], opts: AccessEntryOptions, build: (item: unknown) => object): (object | Uint8Array)[] {
  const built = entriesOf(items, (item) => accessEntryJson(item, opts) ?? build(item));
  const bytes = utf8Many(built.filter((e): e is string => typeof e === 'string'));
  let k = 0;
  return built.map((e) => (typeof e === 'string' ? bytes[k++]! : e));
}

export const appAccessRoutes: FastifyPluginAsync<AppAccessOptions> = async (app, o) => {
  installErrorHandler(app);
  useStrictJson(app, BODY_LIMIT);
  const clock = o.clock ?? Date.now;
  const apps = new WeakMap<object, string>();
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, { ndjson: ndjson(body as string) });
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // Authenticate before the body is parsed: unauthenticated clients get no parser time.
  const authenticate = async (req: FastifyRequest) => {
    const name = o.tokens.verify(bearer(req.headers.authorization));
    if (!name) throw new IlogError('UNAUTHORIZED', 'missing or unknown application token; issue one with `ilog app add <name>`');
    apps.set(req, name);
  };
  app.post('/v1/access', { bodyLimit: BODY_LIMIT, onRequest: authenticate }, async (req, reply) => {
    const name = apps.get(req)!;
    const nowMs = clock();
    const build = (item: unknown) => accessEntryFromRequest(item, { app: name, nowMs, backfill: o.tokens.allows(name, 'backfill') });
    const body = req.body as unknown;
    const items = Array.isArray(body) ? body : typeof body === 'object' && body !== null && 'ndjson' in body ? (body as { ndjson: unknown[] }).ndjson : undefined;
    if (items === undefined) {
      if (JSON.stringify(body ?? null).length > ITEM_LIMIT) throw new IlogError('BODY_TOO_LARGE', `one access is at most ${ITEM_LIMIT} bytes`, { field: 'body' });
      const entry = build(body);
      const index = await o.writer.append(entry);
      return reply.code(201).send({ index, source: entry.source });
    }
    if (!o.writer.appendMany) throw new IlogError('NOT_ALLOWED', 'this server cannot commit batches; send accesses one at a time');
    const entries = batchEntries(items, { app: name, nowMs, backfill: o.tokens.allows(name, 'backfill') }, build);
    const indexes = await o.writer.appendMany(entries);
    return reply.code(201).send({ indexes, count: indexes.length, source: `app:${name}` });
  });
  app.post('/v1/context', { bodyLimit: BODY_LIMIT, onRequest: authenticate }, async (req, reply) => {
    const name = apps.get(req)!;
    if (!o.tokens.allows(name, 'context')) throw new IlogError('NOT_ALLOWED', `application ${name} may not send context; issue its token with \`ilog app add ${name} --context\``);
    const index = await o.writer.append(contextEntry(req.body, `app:${name}`, clock()));
    return reply.code(201).send({ index });
  });
};

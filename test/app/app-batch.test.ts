// Batches, backfill and context through the application API, against a real
// SQLite log: one durable commit per batch, all or nothing, NDJSON or a JSON
// array; old times only with the backfill permission and then honestly dated;
// context only with the context permission.
import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/capture/app/token-store.js';
import { appAccessRoutes } from '../../src/http/app-access.js';
import { openTestLog, type TestLog } from '../alert/helpers/log.js';

let server: FastifyInstance | undefined;
let log: TestLog | undefined;
afterEach(async () => {
  await server?.close();
  await log?.close();
  server = log = undefined;
});

const NOW = Date.parse('2026-11-27T09:00:00.000Z');
const access = (i: number, extra: object = {}) => ({ actor: `agent${i % 7}`, action: 'view', resource: { type: 'customer', id: String(i) }, purpose: `ticket ${i}`, ...extra });

async function start(scopes: string[] = []) {
  log = await openTestLog();
  const tokens = new TokenStore(join(log.dir, 'apps.json'), 'ilog_app_');
  const token = tokens.add('crm', new Date(), scopes);
  let commits = 0;
  const writer = {
    append: (e: object) => log!.appender.append(e),
    appendMany: (es: readonly object[]) => (commits++, log!.appender.appendMany(es)),
  };
  server = Fastify();
  await server.register(appAccessRoutes, { writer, tokens, clock: () => NOW });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}` }, body });
  return { post, commits: () => commits };
}

describe('POST /v1/access batches', () => {
  it('appends a JSON array in one commit, in order, and answers with every index', async () => {
    const { post, commits } = await start();
    const items = Array.from({ length: 250 }, (_, i) => access(i));
    const res = await post('/v1/access', JSON.stringify(items));
    expect(res.status).toBe(201);
    const { indexes, count } = (await res.json()) as { indexes: number[]; count: number };
    expect(count).toBe(250);
    expect(indexes).toEqual(Array.from({ length: 250 }, (_, i) => 1 + i));
    expect(commits()).toBe(1);
    const entries = log!.entries();
    expect(entries).toHaveLength(251);
    expect(entries[1 + 42]!.entry).toMatchObject({ kind: 'access', person: 'agent0', resource: { ids: ['42'] }, source: 'app:crm' });
  });

  it('takes NDJSON, blank lines ignored', async () => {
    const { post } = await start();
    const body = [access(1), access(2), access(3)].map((x) => JSON.stringify(x)).join('\n') + '\n\n';
    const res = await post('/v1/access', body, 'application/x-ndjson');
    expect(res.status).toBe(201);
    expect(((await res.json()) as { count: number }).count).toBe(3);
    expect(log!.entries().slice(1).map((e) => e.entry.resource.ids[0])).toEqual(['1', '2', '3']);
  });

  it('refuses the whole batch when one item is bad, naming the item and field', async () => {
    const { post } = await start();
    const items = [access(1), access(2), { ...access(3), resource: { type: 'customer' } }, access(4)];
    const res = await post('/v1/access', JSON.stringify(items));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_FIELD', field: '2.resource.id' } });
    const bad = await post('/v1/access', `${JSON.stringify(access(1))}\n{"actor":`, 'application/x-ndjson');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_JSON', field: '1' } });
    expect((await post('/v1/access', '[]')).status).toBe(400);
    // A field named twice is refused in a JSON array and on an NDJSON line (no last-one-wins).
    const twice = JSON.stringify(access(2)).replace('{', '{"actor":"mallory",');
    const arr = await post('/v1/access', `[${JSON.stringify(access(1))},${twice}]`);
    expect(arr.status).toBe(400);
    expect(await arr.json()).toMatchObject({ error: { code: 'DUPLICATE_KEY' } });
    const line = await post('/v1/access', `${JSON.stringify(access(1))}\n${twice}`, 'application/x-ndjson');
    expect(line.status).toBe(400);
    expect(await line.json()).toMatchObject({ error: { code: 'DUPLICATE_KEY', field: '1.actor' } });
    expect(log!.appender.storage.size()).toBe(1);
  });

  it('refuses more than 10,000 accesses in one request', async () => {
    const { post } = await start();
    const res = await post('/v1/access', JSON.stringify(Array.from({ length: 10_001 }, (_, i) => access(i))));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(log!.appender.storage.size()).toBe(1);
  });
});

describe('backfill', () => {
  const old = '2026-10-01T08:30:00.000Z';
  it('refuses a time more than 24 h old without the permission', async () => {
    const { post } = await start();
    const res = await post('/v1/access', JSON.stringify([access(1, { time: old })]));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_FIELD', field: '0.time' } });
  });

  it('with the permission, dates the entry when it is logged and keeps the original time apart', async () => {
    const { post } = await start(['backfill']);
    const res = await post('/v1/access', JSON.stringify([access(1, { time: old }), access(2)]));
    expect(res.status).toBe(201);
    const [, a, b] = log!.entries();
    expect(a!.entry).toMatchObject({ time: new Date(NOW).toISOString(), accessedAt: old });
    expect(b!.entry.accessedAt).toBeUndefined();
    // Still no time in the future.
    const future = await post('/v1/access', JSON.stringify([access(3, { time: '2026-11-28T09:00:00Z' })]));
    expect(future.status).toBe(400);
  });
});

describe('POST /v1/context', () => {
  const ctx = { people: [{ person: 'agent1', role: 'agent', team: 'desk-2' }], relationships: [{ person: 'agent1', subject: 'cust-9', kind: 'case-owner', from: '2026-11-27T08:00:00Z' }] };
  it('needs the context permission', async () => {
    const { post } = await start();
    const res = await post('/v1/context', JSON.stringify(ctx));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_ALLOWED' } });
    expect(log!.appender.storage.size()).toBe(1);
  });

  it('logs a context.update entry attributed to the app, and names a bad field', async () => {
    const { post } = await start(['context']);
    const res = await post('/v1/context', JSON.stringify(ctx));
    expect(res.status).toBe(201);
    expect(log!.entries()[1]!.entry).toMatchObject({ kind: 'context.update', source: 'app:crm', people: ctx.people, relationships: ctx.relationships });
    const bad = await post('/v1/context', JSON.stringify({ relationships: [{ subject: 'x', kind: 'care-team' }] }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_FIELD', field: 'relationships.0.person' } });
  });
});

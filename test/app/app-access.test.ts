import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/capture/app/token-store.js';
import { appAccessRoutes } from '../../src/http/app-access.js';
import { IlogError } from '../../src/ledger/errors.js';
import { openTestLog, type TestLog } from '../alert/helpers/log.js';

let server: FastifyInstance | undefined;
let log: TestLog | undefined;
afterEach(async () => {
  await server?.close();
  await log?.close();
  server = log = undefined;
});

const NOW = Date.parse('2026-11-27T09:00:00.000Z');

async function start(writer?: { append(e: object): Promise<number> }) {
  log = await openTestLog();
  const tokens = new TokenStore(join(log.dir, 'apps.json'), 'ilog_app_');
  const token = tokens.add('crm');
  server = Fastify();
  await server.register(appAccessRoutes, { writer: writer ?? log.writer, tokens, clock: () => NOW });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const post = (body: unknown, auth: string | null = token, raw?: string) =>
    fetch(`${url}/v1/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: raw ?? JSON.stringify(body),
    });
  return { tokens, token, post, dir: log.dir };
}

const good = { actor: 'agent.smith', action: 'view', resource: { type: 'customer', id: '42' }, purpose: 'ticket 1234', rows: 1 };

describe('POST /v1/access', () => {
  it('appends an access entry with the proxy schema and answers with its index', async () => {
    const { post } = await start();
    const res = await post(good);
    expect(res.status).toBe(201);
    const { index } = (await res.json()) as { index: number };
    expect(log!.entries()[index]!.entry).toEqual({
      v: 1, kind: 'access', time: '2026-11-27T09:00:00.000Z', source: 'app:crm', person: 'agent.smith', action: 'view',
      resource: { type: 'customer', ids: ['42'] }, purpose: 'ticket 1234', rows: 1,
    });
    const many = await post({ ...good, resource: { type: 'customer', ids: ['1', '2'] }, time: '2026-11-27T08:59:00+00:00', role: 'support', client: { address: '10.1.2.3' } });
    const e = log!.entries()[((await many.json()) as { index: number }).index]!.entry;
    expect(e).toMatchObject({ time: '2026-11-27T08:59:00.000Z', resource: { ids: ['1', '2'] }, role: 'support', client: { address: '10.1.2.3' } });
  });

  it.each([
    ['missing resource id', { ...good, resource: { type: 'customer' } }, 'resource.id'],
    ['both id and ids', { ...good, resource: { type: 'customer', id: '1', ids: ['2'] } }, 'resource.id'],
    ['empty ids', { ...good, resource: { type: 'customer', ids: [] } }, 'resource.ids'],
    ['missing actor', { ...good, actor: undefined }, 'actor'],
    ['blank actor', { ...good, actor: '   ' }, 'actor'],
    ['upper-case action', { ...good, action: 'VIEW' }, 'action'],
    ['negative rows', { ...good, rows: -1 }, 'rows'],
    ['fractional rows', { ...good, rows: 1.5 }, 'rows'],
    ['unknown field', { ...good, source: 'pg-proxy' }, 'source'],
    ['unknown nested field', { ...good, resource: { type: 'c', id: '1', owner: 'x' } }, 'resource.owner'],
    ['time not RFC 3339', { ...good, time: 'yesterday' }, 'time'],
    ['time two days ago', { ...good, time: '2026-11-25T09:00:00Z' }, 'time'],
    ['time in the future', { ...good, time: '2026-11-27T10:00:00Z' }, 'time'],
    ['not an object', 'hello', 'body'],
    ['oversized purpose', { ...good, purpose: 'x'.repeat(1001) }, 'purpose'],
  ])('rejects %s with 400 naming the field', async (_n, body, field) => {
    const { post } = await start();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_FIELD', field } });
    expect(log!.appender.storage.size()).toBe(1);
  });

  it('rejects malformed JSON and oversized bodies without crashing', async () => {
    const { post } = await start();
    expect((await post(undefined, null, '{"actor":')).status).toBe(401); // no token: refused before the body is parsed
    const res = await post(undefined, undefined, '{"actor":');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_JSON', field: 'body' } });
    const big = await post({ ...good, purpose: 'x'.repeat(60_000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect((await post(good)).status).toBe(201); // still serving
  });

  it('refuses a body that names a field twice (no last-one-wins)', async () => {
    const { post } = await start();
    const text = JSON.stringify(good).replace('{', '{"actor":"mallory",');
    const res = await post(undefined, undefined, text);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'DUPLICATE_KEY', field: 'actor' } });
    expect(log!.appender.storage.size()).toBe(1);
  });

  it('answers 401 for a missing, wrong or revoked token', async () => {
    const { post, tokens, token } = await start();
    expect((await post(good, null)).status).toBe(401);
    expect((await post(good, 'ilog_app_' + 'A'.repeat(43))).status).toBe(401);
    const res = await post(good, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    tokens.remove('crm');
    expect((await post(good, token)).status).toBe(401);
    expect(log!.appender.storage.size()).toBe(1);
  });

  it('answers 503 with Retry-After when the log pushes back', async () => {
    const { post } = await start({
      append: async () => {
        throw new IlogError('PUSHBACK', 'sequencer queue full; retry later', { retryAfterMs: 2500 });
      },
    });
    const res = await post(good);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toMatchObject({ error: { code: 'PUSHBACK' } });
  });

  it('answers only after the entry is durable', async () => {
    let release!: () => void;
    let appended = false;
    const { post } = await start({
      append: (e) => {
        appended = true;
        return new Promise<void>((r) => (release = r)).then(() => log!.writer.append(e));
      },
    });
    let answered = false;
    const pending = post(good).then((r) => ((answered = true), r));
    while (!appended) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(201);
    expect(log!.appender.storage.size()).toBe(2);
  });

  it('keeps only token hashes, in a 0600 file', async () => {
    const { token, dir } = await start();
    const file = join(dir, 'apps.json');
    expect(readFileSync(file, 'utf8')).not.toContain(token.slice('ilog_app_'.length));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => new TokenStore(file, 'ilog_app_').add('crm')).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(() => new TokenStore(file, 'ilog_app_').add('Bad Name')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    expect(new TokenStore(file, 'ilog_app_').verify(token)).toBe('crm');
  });
});

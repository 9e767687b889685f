import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/capture/app/token-store.js';
import { alertsRoutes } from '../../src/http/alerts-routes.js';
import { harness, type Harness } from './helpers/harness.js';

let h: Harness;
let server: FastifyInstance;
afterEach(async () => {
  await server?.close();
  await h?.close();
});

async function start() {
  h = await harness();
  const tokens = new TokenStore(join(h.log.dir, 'reviewers.json'), 'ilog_rev_');
  const tok = Object.fromEntries(['alice', 'bob', 'carol', 'dave'].map((n) => [n, tokens.add(n)]));
  server = Fastify();
  await server.register(alertsRoutes, { service: h.svc, reviewerTokens: tokens });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const call = async (who: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(who ? { authorization: `Bearer ${tok[who]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return call;
}

describe('alerts HTTP API', () => {
  it('needs a reviewer token', async () => {
    const call = await start();
    expect(await call(null, 'GET', '/v1/alerts')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });

  it('lists and shows only alerts the reviewer may see, with filters', async () => {
    const call = await start();
    const aboutBob = await h.svc.raise(h.finding({ subject: 'bob', severity: 'low' }));
    const aboutZed = await h.svc.raise(h.finding({ subject: 'zed' }));
    expect((await call('bob', 'GET', '/v1/alerts')).body.alerts.map((a: any) => a.id)).toEqual([aboutZed.id]);
    expect((await call('alice', 'GET', '/v1/alerts?sort=id')).body.alerts.map((a: any) => a.id)).toEqual([aboutBob.id, aboutZed.id]);
    expect((await call('alice', 'GET', '/v1/alerts?severity=low')).body.alerts.map((a: any) => a.id)).toEqual([aboutBob.id]);
    expect((await call('alice', 'GET', '/v1/alerts?subject=zed&state=open&since=2026-11-27T08:00:00Z&until=2026-11-27T10:00:00%2B00:00')).body.alerts.map((a: any) => a.id)).toEqual([aboutZed.id]);
    expect((await call('alice', 'GET', '/v1/alerts?since=2026-11-27T09:00:01Z')).body.alerts).toEqual([]);
    expect(await call('bob', 'GET', `/v1/alerts/${aboutBob.id}`)).toMatchObject({ status: 404, body: { error: { code: 'ALERT_NOT_FOUND' } } });
    expect((await call('alice', 'GET', `/v1/alerts/${aboutBob.id}`)).body.alert).toMatchObject({ subject: 'bob', recipients: ['alice', 'carol'] });
  });

  it('pages, sorts by risk and filters by rule and score', async () => {
    const call = await start();
    const raised = [];
    for (let i = 0; i < 7; i++) raised.push(await h.svc.raise(h.finding({ id: `f${i}`, subject: 'zed', score: 40 + i * 5, rule: i % 2 ? 'bulk-read' : 'watchlist' })));
    const first = (await call('alice', 'GET', '/v1/alerts?limit=3')).body;
    expect(first.total).toBe(7);
    expect(first.alerts.map((a: any) => a.score)).toEqual([70, 65, 60]);
    expect(first.next).toBe(3);
    const last = (await call('alice', 'GET', '/v1/alerts?limit=3&offset=6')).body;
    expect(last.alerts.map((a: any) => a.score)).toEqual([40]);
    expect(last.next).toBeUndefined();
    expect((await call('alice', 'GET', '/v1/alerts?rule=bulk-read&minScore=50')).body.alerts.map((a: any) => a.score)).toEqual([65, 55]);
    expect((await call('alice', 'GET', '/v1/alerts?limit=5000')).status).toBe(400);
    expect((await call('alice', 'GET', '/v1/alerts?sort=colour')).body).toMatchObject({ error: { code: 'INVALID_FIELD', field: 'sort' } });
  });

  it.each([
    ['GET', '/v1/alerts?severity=urgent', undefined, 'severity'],
    ['GET', '/v1/alerts?since=yesterday', undefined, 'since'],
    ['GET', '/v1/alerts?colour=red', undefined, 'colour'],
    ['GET', '/v1/alerts/abc', undefined, 'id'],
    ['POST', '/v1/alerts/1/ack', { note: 5 }, 'note'],
    ['POST', '/v1/alerts/suppressions', { subject: 'zed', minutes: 0, reason: 'x' }, 'minutes'],
    ['POST', '/v1/alerts/suppressions', { subject: 'zed', minutes: 5 }, 'reason'],
  ])('%s %s → 400 naming %s', async (method, path, body, field) => {
    const call = await start();
    expect(await call('alice', method, path, body)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_FIELD', field } } });
  });

  it('ack and close follow the review rules, with statuses that say who must act', async () => {
    const call = await start();
    const a = await h.svc.raise(h.finding({ subject: 'carol' })); // → alice, bob
    expect((await call('carol', 'POST', `/v1/alerts/${a.id}/ack`)).body.error.code).toBe('NOT_ALLOWED');
    expect(await call('dave', 'POST', `/v1/alerts/${a.id}/ack`)).toMatchObject({ status: 403, body: { error: { code: 'NOT_A_RECIPIENT' } } });
    expect(await call('alice', 'POST', '/v1/alerts/12345/ack')).toMatchObject({ status: 404 });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/ack`, { note: 'on it' })).toMatchObject({ status: 200, body: { alert: { state: 'acknowledged' } } });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/close`, { resolution: 'fine' })).toMatchObject({ status: 200, body: { alert: { state: 'acknowledged' } } });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/close`)).toMatchObject({ status: 409, body: { error: { code: 'SECOND_REVIEWER_REQUIRED' } } });
    expect(await call('bob', 'POST', `/v1/alerts/${a.id}/close`)).toMatchObject({ status: 200, body: { alert: { state: 'closed' } } });
    expect(await call('bob', 'POST', `/v1/alerts/${a.id}/ack`)).toMatchObject({ status: 409, body: { error: { code: 'ALERT_CLOSED' } } });
    const s = await call('dave', 'POST', '/v1/alerts/suppressions', { rule: 'off-hours', minutes: 30, reason: 'night shift this week' });
    expect(s).toMatchObject({ status: 201, body: { suppression: { rule: 'off-hours', by: 'dave', until: '2026-11-27T09:30:00.000Z' } } });
  });
});

import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/capture/app/token-store.js';
import { alertsRoutes } from '../../src/http/alerts-routes.js';
import { harness, ORIGIN, type Harness } from './helpers/harness.js';
import { signReview } from '../../src/alert/review.js';

type Kind = 'alert.ack' | 'alert.closed' | 'alert.comment' | 'alert.escalate';
/** The body a client sends: the review it signed with `signer`'s key, minus what the server fills in (kind, alert, by). */
function signedBody(kind: Kind, by: string, alert: number, extra: Record<string, unknown> = {}, signer = by, time = new Date(h.clock.now).toISOString(), origin = ORIGIN) {
  const { signature } = signReview({ kind, time, alert, by, ...extra }, h.rev(signer).key, origin);
  return { time, ...extra, signature };
}
function signedSuppression(by: string, match: { subject?: string; rule?: string }, minutes: number, reason: string, signer = by) {
  const time = new Date(h.clock.now).toISOString();
  const until = new Date(h.clock.now + minutes * 60_000).toISOString();
  const { signature } = signReview({ kind: 'alert.suppressed', time, match, until, by, reason }, h.rev(signer).key, ORIGIN);
  return { time, until, ...match, reason, signature };
}

let h: Harness;
let server: FastifyInstance;
afterEach(async () => {
  await server?.close();
  await h?.close();
});

async function start() {
  h = await harness();
  const tokens = new TokenStore(join(h.log.dir, 'reviewers.json'), 'ilog_rev_');
  const tok = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => [n, tokens.add(n)]));
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
    ['POST', '/v1/alerts/1/ack', { time: '2026-11-27T09:00:00.000Z', note: 5, signature: { signer: 'a+01234567+AA', sig: 'x' } }, 'note'],
    ['POST', '/v1/alerts/1/ack', { note: 'x' }, 'time'],
    ['POST', '/v1/alerts/suppressions', { time: '2026-11-27T09:00:00.000Z', until: '2026-11-27T09:00:00.000Z', subject: 'zed', signature: { signer: 'a+01234567+AA', sig: 'x' } }, 'reason'],
  ])('%s %s → 400 naming %s', async (method, path, body, field) => {
    const call = await start();
    expect(await call('alice', method, path, body)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_FIELD', field } } });
  });

  it('ack, comment and close follow the review rules, with statuses that say who must act', async () => {
    const call = await start();
    const a = await h.svc.raise(h.finding({ subject: 'carol' })); // → alice, bob
    expect(await call('dave', 'POST', `/v1/alerts/${a.id}/ack`, signedBody('alert.ack', 'dave', a.id))).toMatchObject({ status: 403, body: { error: { code: 'NOT_A_RECIPIENT' } } });
    expect(await call('alice', 'POST', '/v1/alerts/12345/ack', signedBody('alert.ack', 'alice', 12345))).toMatchObject({ status: 404 });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/ack`, signedBody('alert.ack', 'alice', a.id, { note: 'on it' }))).toMatchObject({ status: 200, body: { alert: { state: 'acknowledged' } } });
    expect(await call('bob', 'POST', `/v1/alerts/${a.id}/comment`, signedBody('alert.comment', 'bob', a.id, { text: 'seen it' }))).toMatchObject({ status: 200, body: { alert: { comments: [{ by: 'bob', text: 'seen it' }] } } });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/close`, signedBody('alert.closed', 'alice', a.id, { resolution: 'fine' }))).toMatchObject({ status: 200, body: { alert: { state: 'acknowledged' } } });
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/close`, signedBody('alert.closed', 'alice', a.id))).toMatchObject({ status: 409, body: { error: { code: 'SECOND_REVIEWER_REQUIRED' } } });
    expect(await call('bob', 'POST', `/v1/alerts/${a.id}/close`, signedBody('alert.closed', 'bob', a.id))).toMatchObject({ status: 200, body: { alert: { state: 'closed' } } });
    expect(await call('bob', 'POST', `/v1/alerts/${a.id}/ack`, signedBody('alert.ack', 'bob', a.id))).toMatchObject({ status: 409, body: { error: { code: 'ALERT_CLOSED' } } });
    const s = await call('dave', 'POST', '/v1/alerts/suppressions', signedSuppression('dave', { rule: 'off-hours' }, 30, 'night shift this week'));
    expect(s).toMatchObject({ status: 201, body: { suppression: { rule: 'off-hours', by: 'dave', until: '2026-11-27T09:30:00.000Z' } } });
  });

  // Point 2 of issue #13: every refusal, through the API.
  it('refuses a review that is unsigned, signed by another key, for another alert or log, by an unregistered key, or far from the clock', async () => {
    const call = await start();
    const a = await h.svc.raise(h.finding({ subject: 'zed' })); // → alice, bob, carol
    const ack = (who: string, body: unknown) => call(who, 'POST', `/v1/alerts/${a.id}/ack`, body);
    const bad = { status: 403, body: { error: { code: 'REVIEW_SIGNATURE_INVALID' } } };
    const good = signedBody('alert.ack', 'alice', a.id);
    expect(await ack('alice', { time: good.time, signature: { signer: good.signature.signer, sig: Buffer.alloc(64).toString('base64') } })).toMatchObject(bad);
    expect(await ack('alice', signedBody('alert.ack', 'alice', a.id, {}, 'bob'))).toMatchObject(bad); // bob's key in alice's name
    expect(await ack('bob', good)).toMatchObject(bad); // alice's signature sent with bob's token
    expect(await ack('alice', signedBody('alert.ack', 'alice', a.id + 1))).toMatchObject(bad); // signed for another alert
    expect(await ack('alice', signedBody('alert.ack', 'alice', a.id, {}, 'alice', undefined, 'other.example/log'))).toMatchObject(bad);
    expect(await ack('alice', { ...good, note: 'added after signing' })).toMatchObject(bad);
    expect(await call('alice', 'POST', `/v1/alerts/${a.id}/close`, good)).toMatchObject(bad); // an ack's signature on a close
    const stale = signedBody('alert.ack', 'alice', a.id, {}, 'alice', new Date(h.clock.now - 3600_000).toISOString());
    expect(await ack('alice', stale)).toMatchObject({ status: 400, body: { error: { code: 'REVIEW_TIME_SKEW' } } });
    h.keys.current = ((orig) => (n: string) => (n === 'carol' ? undefined : orig(n)))(h.keys.current);
    expect(await ack('carol', signedBody('alert.ack', 'carol', a.id))).toMatchObject({ status: 403, body: { error: { code: 'REVIEWER_KEY_UNKNOWN' } } });
    expect(h.log.entries().filter((e) => e.entry.kind === 'alert.ack')).toEqual([]);
    expect(await ack('alice', good)).toMatchObject({ status: 200, body: { alert: { state: 'acknowledged' } } });
  });

  it('the subject learns nothing: acting on an alert about oneself answers as for one that does not exist, open or closed', async () => {
    const call = await start();
    const a = await h.svc.raise(h.finding({ subject: 'carol', severity: 'low' })); // → alice, bob
    const strip = (r: { status: number; body: any }) => ({ status: r.status, code: r.body.error?.code, message: String(r.body.error?.message).replace(/\d+/g, 'N') });
    const missing = strip(await call('carol', 'POST', '/v1/alerts/99999/ack', signedBody('alert.ack', 'carol', 99999)));
    expect(missing).toMatchObject({ status: 404, code: 'ALERT_NOT_FOUND' });
    for (const kind of ['ack', 'close', 'comment', 'escalate'] as const) {
      const k = ({ ack: 'alert.ack', close: 'alert.closed', comment: 'alert.comment', escalate: 'alert.escalate' } as const)[kind];
      const extra = kind === 'comment' ? { text: 'mine' } : {};
      expect(strip(await call('carol', 'POST', `/v1/alerts/${a.id}/${kind}`, signedBody(k, 'carol', a.id, extra)))).toEqual(missing);
      expect(strip(await call('carol', 'POST', '/v1/alerts/99999/' + kind, signedBody(k, 'carol', 99999, extra)))).toEqual(missing);
    }
    expect(strip(await call('carol', 'GET', `/v1/alerts/${a.id}`))).toEqual(missing);
    await h.svc.close(a.id, h.rev('alice'));
    expect((await h.svc.get(a.id))!.state).toBe('closed');
    expect(strip(await call('carol', 'POST', `/v1/alerts/${a.id}/ack`, signedBody('alert.ack', 'carol', a.id)))).toEqual(missing); // not ALERT_CLOSED
    expect((await call('carol', 'GET', '/v1/alerts')).body.alerts).toEqual([]);
  });

  it('a suppression never covers its author: not by subject, and a rule suppression still raises alerts about them', async () => {
    const call = await start();
    expect(await call('alice', 'POST', '/v1/alerts/suppressions', signedSuppression('alice', { subject: 'alice.w' }, 60, 'me'))).toMatchObject({ status: 403, body: { error: { code: 'NOT_ALLOWED' } } });
    expect(await call('alice', 'POST', '/v1/alerts/suppressions', signedSuppression('alice', { rule: 'watchlist' }, 60, 'noisy', 'bob'))).toMatchObject({ status: 403, body: { error: { code: 'REVIEW_SIGNATURE_INVALID' } } });
    const s = await call('alice', 'POST', '/v1/alerts/suppressions', signedSuppression('alice', { rule: 'watchlist' }, 60, 'audit week'));
    expect(s.status).toBe(201);
    const other = await h.svc.raise(h.finding({ subject: 'zed' }));
    expect(other).toMatchObject({ state: 'suppressed', suppressedBy: s.body.suppression.index });
    const own = await h.svc.raise(h.finding({ subject: 'alice.w' }));
    expect(own.state).toBe('open');
    expect(own.suppressedBy).toBeUndefined();
    await h.svc.idle();
    expect(h.log.entries().some((e) => e.entry.kind === 'alert.delivery' && e.entry.alert === own.id && e.entry.status === 'delivered')).toBe(true);
    // Even an alert.raised that names her suppression (a server that did not check) stays open on replay.
    const forged = await h.log.writer.append({ ...h.log.entries()[own.id]!.entry, suppressedBy: s.body.suppression.index });
    expect((await h.reopen().get(forged))!.state).toBe('open');
  });

  it('only recipients act; an escalation request reaches the next group, whose members may then act', async () => {
    const call = await start();
    const a = await h.svc.raise(h.finding({ subject: 'zed' })); // → alice, bob, carol (privacy)
    expect(await call('dave', 'POST', `/v1/alerts/${a.id}/close`, signedBody('alert.closed', 'dave', a.id))).toMatchObject({ status: 403, body: { error: { code: 'NOT_A_RECIPIENT' } } });
    expect(await call('dave', 'POST', `/v1/alerts/${a.id}/escalate`, signedBody('alert.escalate', 'dave', a.id))).toMatchObject({ status: 403, body: { error: { code: 'NOT_A_RECIPIENT' } } });
    const esc = await call('alice', 'POST', `/v1/alerts/${a.id}/escalate`, signedBody('alert.escalate', 'alice', a.id, { note: 'needs security' }));
    expect(esc).toMatchObject({ status: 200, body: { alert: { route: 'fallback', recipients: ['alice', 'bob', 'carol', 'dave', 'erin'] } } });
    expect(h.log.entries().filter((e) => e.entry.kind === 'alert.escalated').map((e) => e.entry)).toEqual([expect.objectContaining({ reason: 'requested', added: ['dave', 'erin'] })]);
    h.clock.now += 1;
    expect(await call('dave', 'POST', `/v1/alerts/${a.id}/close`, signedBody('alert.closed', 'dave', a.id))).toMatchObject({ status: 200, body: { alert: { closes: [{ by: 'dave' }] } } });
  });
});

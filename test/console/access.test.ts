// Who may see what in the console (docs/console.md "Who sees a timeline", "Every
// view is logged"), over real HTTP on a governed log with a real alert: a timeline
// needs the viewer's case or a stated, logged purpose; nobody sees traces of the
// alerts about themselves; every console route that shows data logs the view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLog, signIn, type ConsoleLog } from './fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every kind, read back for assertions
type Entry = Record<string, any> & { index: number };

/** Every route of Fastify's printRoutes() tree (`├── /a (GET)` / `│   └── /b (POST)`), with its full path. */
function registeredRoutes(tree: string): { path: string; methods: string[] }[] {
  const stack: string[] = [];
  const out: { path: string; methods: string[] }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    out.push({ path: stack.join(''), methods: m[3]!.split(', ') });
  }
  return out;
}

describe('console authorization and view logging', () => {
  let c: ConsoleLog;
  let alertId: number;
  const sessions: Record<string, { cookie: string; csrf: string }> = {};
  const entries = (): Entry[] => c.appender.storage.readEntries(0, c.appender.storage.size()).map((b, index) => ({ ...JSON.parse(Buffer.from(b).toString('utf8')), index }));
  const get = (who: string, path: string) => fetch(`${c.url}${path}`, { headers: { cookie: sessions[who]!.cookie } });
  const views = (who: string, id: string) => entries().filter((e) => e.kind === 'access' && e.source === 'console' && e.person === who && e.resource.ids.includes(id));
  const timeline = async (who: string, person: string, purpose?: string) => {
    const res = await get(who, `/ui/api/person/${person}/timeline${purpose ? `?purpose=${encodeURIComponent(purpose)}` : ''}`);
    return { status: res.status, body: (await res.json()) as { total: number; error?: { code: string }; risk: { id: number }[]; recent: { entries: { index: number }[]; pending: number[] } } };
  };

  beforeAll(async () => {
    c = await consoleLog();
    // carol opens the watch-listed customer through an application: an alert about her, routed to alice and bob.
    const access = await c.appender.append({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:crm', person: 'carol', action: 'view', purpose: 'just curious', resource: { type: 'customer', ids: ['customer-4711'] } });
    await c.alerting.pipeline.reached(access + 1);
    for (let i = 0; i < 300 && (await c.alerting.service.list({ subject: 'carol' })).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await c.alerting.service.idle();
    const alert = (await c.alerting.service.list({ subject: 'carol' }))[0]!;
    alertId = alert.id;
    expect(alert.recipients.sort()).toEqual(['alice', 'bob']);
    await c.appender.awaitIntegrated(alertId);
    for (const n of ['alice', 'bob', 'carol']) sessions[n] = await signIn(c, n);
  }, 120_000);
  afterAll(async () => c?.stop());

  it("shows a person's timeline to a reviewer their alert is routed to, and otherwise only with a stated purpose, which is logged", async () => {
    const inCase = await timeline('alice', 'carol');
    expect(inCase.status).toBe(200);
    expect(inCase.body.risk.map((r) => r.id)).toEqual([alertId]);
    expect(views('alice', '/ui/api/person/carol/timeline').at(-1)).toMatchObject({ action: 'view', purpose: 'alert review' });

    // bob is not the subject of any alert routed to alice: his timeline needs a purpose.
    const before = views('alice', '/ui/api/person/bob/timeline').length;
    const refused = await timeline('alice', 'bob');
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('PURPOSE_REQUIRED');
    expect((await timeline('alice', 'bob', 'ab')).body.error?.code).toBe('INVALID_FIELD'); // too short to be a purpose
    expect(views('alice', '/ui/api/person/bob/timeline')).toHaveLength(before); // refusals show and log nothing
    const stated = await timeline('alice', 'bob', 'audit of support access, ticket 7');
    expect(stated.status).toBe(200);
    expect(views('alice', '/ui/api/person/bob/timeline').at(-1)).toMatchObject({ purpose: 'audit of support access, ticket 7' });

    // Nobody's own alert makes their own timeline "in scope".
    expect((await timeline('carol', 'carol')).body.error?.code).toBe('PURPOSE_REQUIRED');
    const own = await timeline('carol', 'carol', 'my own activity');
    expect(own.status).toBe(200);
    expect(own.body.risk).toEqual([]);
  });

  it("leaves out of every timeline the console views of alerts about the viewer", async () => {
    // bob opens the alert about carol (a console view naming the alert), then looks at the queue.
    expect((await get('bob', `/ui/api/v1/alerts/${alertId}`)).status).toBe(200);
    expect((await get('bob', `/ui/api/alerts/${alertId}/evidence`)).status).toBe(200);
    const traces = entries().filter((e) => e.source === 'console' && e.person === 'bob' && e.resource.ids.some((id: string) => id.includes(`/alerts/${alertId}`)));
    expect(traces).toHaveLength(2);
    await c.appender.checkpoint(); // bob's views covered by a signed checkpoint: the index counts them
    const seenByAlice = await timeline('alice', 'bob', 'audit of support access, ticket 7');
    const seenByCarol = await timeline('carol', 'bob', 'who handles my case?');
    expect(seenByAlice.body.total - seenByCarol.body.total).toBe(2);
    const shown = (t: typeof seenByAlice) => [...t.body.recent.entries.map((e) => e.index), ...t.body.recent.pending];
    for (const e of traces) {
      expect(shown(seenByAlice)).toContain(e.index);
      expect(shown(seenByCarol)).not.toContain(e.index);
    }
    const text = JSON.stringify(seenByCarol.body);
    expect(text).not.toContain(`/alerts/${alertId}`);
  });

  it('logs a view for every console GET that shows data, and every POST is a logged look-up, report, signed review or the session itself', async () => {
    const routes = registeredRoutes(c.server.printRoutes({ commonPrefix: false })).filter((r) => r.path.startsWith('/ui/api/'));
    const gets = routes.filter((r) => r.methods.includes('GET')).map((r) => r.path).sort();
    const posts = routes.filter((r) => r.methods.includes('POST')).map((r) => r.path).sort();
    expect(gets).toEqual([
      '/ui/api/alerts/:id/evidence',
      '/ui/api/health',
      '/ui/api/login/challenge',
      '/ui/api/me',
      '/ui/api/person/:name/timeline',
      '/ui/api/v1/alerts',
      '/ui/api/v1/alerts/:id',
      '/ui/api/v1/detector/status',
      '/ui/api/v1/findings',
    ]);
    const unlogged = new Set(['/ui/api/login/challenge', '/ui/api/me']); // a nonce; the viewer's own name and CSRF token
    for (const route of gets.filter((r) => !unlogged.has(r))) {
      const path = route.replace(':id', String(alertId)).replace(':name', 'carol');
      const before = views('alice', path).length;
      const res = await get('alice', path);
      expect(res.status, route).toBe(200);
      expect(views('alice', path), route).toHaveLength(before + 1);
    }
    // POSTs: the session, the two logged look-ups (test/console/browser.test.ts), and signed reviews (entries by the reviewer, test/alert).
    expect(posts).toEqual([
      '/ui/api/login',
      '/ui/api/logout',
      '/ui/api/lookup',
      '/ui/api/report',
      '/ui/api/v1/alerts/:id/ack',
      '/ui/api/v1/alerts/:id/close',
      '/ui/api/v1/alerts/:id/comment',
      '/ui/api/v1/alerts/:id/escalate',
      '/ui/api/v1/alerts/suppressions',
    ]);
    const { cookie, csrf } = sessions.alice!;
    for (const route of ['/ui/api/lookup', '/ui/api/report']) {
      const res = await fetch(`${c.url}${route}`, { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ value: 'customer-4711', purpose: 'subject request 12' }) });
      expect(res.status, route).toBe(200);
      expect(entries().at(-1), route).toMatchObject({ kind: 'access', source: 'console', person: 'alice', action: route.slice('/ui/api/'.length), purpose: 'subject request 12' });
    }
  });
});

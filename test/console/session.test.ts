// The console's sign-in and session rules over real HTTP (src/http/console-session.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigner, sign } from '../../src/governance/signing.js';
import { generateKey } from '../../src/ledger/note.js';
import { consoleLog, type ConsoleLog } from './fixture.js';

describe('console sign-in and sessions', () => {
  let c: ConsoleLog;
  beforeAll(async () => {
    c = await consoleLog();
  }, 60_000);
  afterAll(async () => c?.stop());

  const challenge = async () => (await (await fetch(`${c.url}/ui/api/login/challenge`)).json()) as { nonce: string; origin: string; domain: string };
  const login = async (reviewer: string, skey: string, mutate?: (ch: { nonce: string }) => void) => {
    const ch = await challenge();
    const sig = sign(loadSigner(skey), ch.origin, ch.nonce, ch.domain).sig;
    mutate?.(ch);
    return fetch(`${c.url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer, nonce: ch.nonce, sig }) });
  };
  const code = async (r: Response) => ((await r.json()) as { error?: { code: string } }).error?.code;

  it('signs in with the registered key and sets an HttpOnly, SameSite=Strict cookie scoped to /ui', async () => {
    const res = await login('alice', c.keys.alice!.skey);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ilog_console=[A-Za-z0-9_-]{43}; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=1800$/);
    const body = (await res.json()) as { reviewer: string; csrf: string; vkey: string };
    expect(body).toMatchObject({ reviewer: 'alice', vkey: c.keys.alice!.vkey });
    const me = await fetch(`${c.url}/ui/api/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(((await me.json()) as { reviewer: string }).reviewer).toBe('alice');
  });

  it('refuses a key that is not the registered one, a reused or unknown challenge, and a non-reviewer', async () => {
    const other = generateKey('alice'); // right name, wrong key
    const wrong = await login('alice', other.skey);
    expect(wrong.status).toBe(401);
    expect(await code(wrong)).toBe('LOGIN_FAILED');
    const bobAsAlice = await login('alice', c.keys.bob!.skey);
    expect(await code(bobAsAlice)).toBe('LOGIN_FAILED');
    const ch = await challenge();
    const sig = sign(loadSigner(c.keys.alice!.skey), ch.origin, ch.nonce, ch.domain).sig;
    const once = () => fetch(`${c.url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'alice', nonce: ch.nonce, sig }) });
    expect((await once()).status).toBe(200);
    const replay = await once();
    expect(replay.status).toBe(401);
    expect(await code(replay)).toBe('LOGIN_FAILED');
    const stranger = generateKey('mallory');
    expect(await code(await login('mallory', stranger.skey))).toBe('LOGIN_FAILED');
    // A review signature (another domain) over the nonce is not a login.
    const ch2 = await challenge();
    const reviewSig = sign(loadSigner(c.keys.alice!.skey), ch2.origin, ch2.nonce, 'ilog-review/v1').sig;
    const cross = await fetch(`${c.url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'alice', nonce: ch2.nonce, sig: reviewSig }) });
    expect(await code(cross)).toBe('LOGIN_FAILED');
  });

  it('needs the session cookie for data and the CSRF header for every POST; sign-out ends the session', async () => {
    const noSession = await fetch(`${c.url}/ui/api/v1/alerts`);
    expect(noSession.status).toBe(401);
    const forged = await fetch(`${c.url}/ui/api/v1/alerts`, { headers: { cookie: 'ilog_console=' + 'A'.repeat(43) } });
    expect(forged.status).toBe(401);
    const res = await login('bob', c.keys.bob!.skey);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf } = (await res.json()) as { csrf: string };
    expect((await fetch(`${c.url}/ui/api/v1/alerts`, { headers: { cookie } })).status).toBe(200);
    const post = (headers: Record<string, string>) =>
      fetch(`${c.url}/ui/api/lookup`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ value: 'x', purpose: 'checking' }) });
    const noCsrf = await post({});
    expect(noCsrf.status).toBe(403);
    expect(await code(noCsrf)).toBe('CSRF_TOKEN_INVALID');
    expect(await code(await post({ 'x-ilog-csrf': csrf.slice(1) + 'A' }))).toBe('CSRF_TOKEN_INVALID');
    expect((await post({ 'x-ilog-csrf': csrf })).status).toBe(200);
    const out = await fetch(`${c.url}/ui/api/logout`, { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf } });
    expect(out.status).toBe(200);
    expect((await fetch(`${c.url}/ui/api/v1/alerts`, { headers: { cookie } })).status).toBe(401);
  });

  it('serves the page and its modules with a strict CSP, and nothing outside ui/ or the vendored packages', async () => {
    const page = await fetch(`${c.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/ui/console.js">');
    expect((await fetch(`${c.url}/ui/crypto.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const p of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/vendor/age-encryption/package.json', '/ui/vendor/fastify/fastify.js', '/ui/.hidden']) {
      expect((await fetch(`${c.url}${p}`)).status, p).toBe(404);
    }
  });
});

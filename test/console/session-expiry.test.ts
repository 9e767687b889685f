// Session lifetime with an injected clock (src/http/console-session.ts): idle expiry,
// refresh on use, one-use and one-minute challenges, Secure over TLS.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConsoleSessions } from '../../src/http/console-session.js';
import { loadSigner, sign } from '../../src/governance/signing.js';
import { generateKey } from '../../src/ledger/note.js';
import { IlogError } from '../../src/ledger/errors.js';

const key = generateKey('alice');
const origin = 'test.example/console';

function setup() {
  let now = 1_000_000;
  const s = new ConsoleSessions({ origin, keys: { at: () => undefined, current: (r) => (r === 'alice' ? { vkey: key.vkey, recipient: '' } : undefined) }, isReviewer: (r) => r === 'alice', idleMs: 60_000, clock: () => now });
  const cookies: string[] = [];
  const reply = { header: (_n: string, v: string) => cookies.push(v) } as unknown as FastifyReply;
  const req = (cookie?: string, o: { method?: string; protocol?: string; csrf?: string } = {}) =>
    ({ method: o.method ?? 'GET', protocol: o.protocol ?? 'http', headers: { ...(cookie ? { cookie } : {}), ...(o.csrf ? { 'x-ilog-csrf': o.csrf } : {}) } }) as unknown as FastifyRequest;
  const signIn = (protocol = 'http') => {
    const ch = s.challenge();
    const out = s.signIn({ reviewer: 'alice', nonce: ch.nonce, sig: sign(loadSigner(key.skey), origin, ch.nonce, ch.domain).sig }, req(undefined, { protocol }), reply);
    return { ...out, cookie: cookies.at(-1)!.split(';')[0]! };
  };
  return { s, req, signIn, cookies, tick: (ms: number) => (now += ms) };
}

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof IlogError ? e.code : String(e);
  }
  return 'none';
};

describe('console sessions', () => {
  it('expire after the idle period, and each use restarts it', () => {
    const t = setup();
    const { cookie } = t.signIn();
    t.tick(59_000);
    expect(t.s.require(t.req(cookie)).reviewer).toBe('alice');
    t.tick(59_000); // 118 s after sign-in, 59 s after last use
    expect(t.s.require(t.req(cookie)).reviewer).toBe('alice');
    t.tick(60_001);
    expect(codeOf(() => t.s.require(t.req(cookie)))).toBe('UNAUTHORIZED');
    t.tick(-60_001); // gone for good, even if the clock steps back
    expect(codeOf(() => t.s.require(t.req(cookie)))).toBe('UNAUTHORIZED');
  });

  it('takes a challenge once and only within a minute', () => {
    const t = setup();
    const ch = t.s.challenge();
    const sig = sign(loadSigner(key.skey), origin, ch.nonce, ch.domain).sig;
    t.tick(60_000);
    expect(codeOf(() => t.s.signIn({ reviewer: 'alice', nonce: ch.nonce, sig }, t.req(), { header: () => undefined } as unknown as FastifyReply))).toBe('LOGIN_FAILED');
  });

  it('sets Secure over TLS and checks the CSRF token on POST only', () => {
    const t = setup();
    const { cookie, csrf } = t.signIn('https');
    expect(t.cookies.at(-1)).toMatch(/; Secure$/);
    expect(codeOf(() => t.s.require(t.req(cookie, { method: 'POST' })))).toBe('CSRF_TOKEN_INVALID');
    expect(t.s.require(t.req(cookie, { method: 'POST', csrf })).reviewer).toBe('alice');
    expect(t.signIn().csrf).not.toBe(csrf); // per session
  });
});

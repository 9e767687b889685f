// Console sign-in (docs/console.md): a reviewer proves they hold the private key
// whose public half the quorum registered (`reviewer.key`) by signing a one-use
// server challenge in the browser, under its own domain so that no login
// signature is ever a review or a governance approval:
//
//   ilog-console-login/v1\n<origin>\n<nonce>\n
//
// The session is a random id kept in server memory only (a restart signs
// everyone out), sent as an HttpOnly, SameSite=Strict cookie scoped to /ui,
// expiring after an idle period; every POST also carries the session's CSRF
// token in a header, which a cross-site page cannot read.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IlogError } from '../ledger/errors.js';
import { verifySignature } from '../governance/signing.js';
import type { ReviewerKeys } from '../alert/review.js';

export const LOGIN_DOMAIN = 'ilog-console-login/v1';
export const SESSION_COOKIE = 'ilog_console';
export const CSRF_HEADER = 'x-ilog-csrf';
const CHALLENGE_MS = 60_000;
const MAX_CHALLENGES = 1000;
const MAX_SESSIONS = 10_000;

export interface Session {
  reviewer: string;
  csrf: string;
  lastSeen: number;
}

export interface SessionOptions {
  origin: string;
  keys: ReviewerKeys;
  /** Whether `name` is a reviewer in the routing config (only they may sign in). */
  isReviewer: (name: string) => boolean;
  idleMs?: number;
  clock?: () => number;
}

const token = () => randomBytes(32).toString('base64url');

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleSessions {
  readonly idleMs: number;
  readonly #o: SessionOptions;
  readonly #clock: () => number;
  readonly #challenges = new Map<string, number>();
  readonly #sessions = new Map<string, Session>();

  constructor(o: SessionOptions) {
    this.#o = o;
    this.idleMs = o.idleMs ?? 30 * 60_000;
    this.#clock = o.clock ?? Date.now;
  }

  /** A fresh one-use challenge, valid for a minute. */
  challenge(): { nonce: string; origin: string; domain: string } {
    const now = this.#clock();
    for (const [n, exp] of this.#challenges) if (exp <= now) this.#challenges.delete(n);
    if (this.#challenges.size >= MAX_CHALLENGES) throw new IlogError('PUSHBACK', 'too many sign-ins under way; retry in a minute', { retryAfterMs: CHALLENGE_MS });
    const nonce = token();
    this.#challenges.set(nonce, now + CHALLENGE_MS);
    return { nonce, origin: this.#o.origin, domain: LOGIN_DOMAIN };
  }

  /** Checks a signed challenge; on success opens a session and sets its cookie. Throws LOGIN_FAILED. */
  signIn(body: { reviewer: string; nonce: string; sig: string }, req: FastifyRequest, reply: FastifyReply): { reviewer: string; csrf: string; vkey: string } {
    const exp = this.#challenges.get(body.nonce);
    this.#challenges.delete(body.nonce); // one use, whatever the outcome
    const key = this.#o.keys.current(body.reviewer);
    const fail = (why: string) => new IlogError('LOGIN_FAILED', `sign-in refused: ${why}`, { reviewer: body.reviewer });
    if (exp === undefined || exp <= this.#clock()) throw fail('the challenge is unknown or expired; ask for a new one');
    if (!this.#o.isReviewer(body.reviewer) || !key) throw fail('no registered reviewer key for this name; load the key file from `ilog reviewer keygen` that the admins registered');
    if (!verifySignature({ signer: key.vkey, sig: body.sig }, this.#o.origin, body.nonce, LOGIN_DOMAIN)) throw fail('the signature is not by the registered key');
    if (this.#sessions.size >= MAX_SESSIONS) this.#expire();
    const id = token();
    const session: Session = { reviewer: body.reviewer, csrf: token(), lastSeen: this.#clock() };
    this.#sessions.set(id, session);
    reply.header('set-cookie', this.#cookie(req, id, Math.floor(this.idleMs / 1000)));
    return { reviewer: session.reviewer, csrf: session.csrf, vkey: key.vkey };
  }

  /** The request's live session (refreshing its idle timer), or UNAUTHORIZED. POSTs must carry the CSRF header. */
  require(req: FastifyRequest): Session {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const s = id === undefined ? undefined : this.#sessions.get(id);
    const now = this.#clock();
    if (!s || now - s.lastSeen > this.idleMs) {
      if (id !== undefined) this.#sessions.delete(id);
      throw new IlogError('UNAUTHORIZED', 'not signed in, or the session expired; sign in again with your reviewer key');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameToken(sent, s.csrf)) throw new IlogError('CSRF_TOKEN_INVALID', `a console POST needs the session's ${CSRF_HEADER} header; reload the console`);
    }
    s.lastSeen = now;
    return s;
  }

  signOut(req: FastifyRequest, reply: FastifyReply): void {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
    reply.header('set-cookie', this.#cookie(req, '', 0));
  }

  #expire(): void {
    const now = this.#clock();
    for (const [id, s] of this.#sessions) if (now - s.lastSeen > this.idleMs) this.#sessions.delete(id);
    if (this.#sessions.size >= MAX_SESSIONS) throw new IlogError('PUSHBACK', 'too many console sessions; retry later', { retryAfterMs: 60_000 });
  }

  #cookie(req: FastifyRequest, value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${req.protocol === 'https' ? '; Secure' : ''}`;
  }
}

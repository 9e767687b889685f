// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it, without channel
// binding: the server side for persons logging in to the proxy, the client
// side for the proxy logging in to the upstream. Verifiers use PostgreSQL's
// text form `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { IlogError } from '../../ledger/errors.js';
import { FifoMap } from '../../ledger/fifo-map.js';

const ITERATIONS = 4096;

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  // SASLprep is approximated by NFKC normalisation (see docs/proxy.md limitations).
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
}

/**
 * The upstream's salt and iteration count stay the same across logins, so the
 * proxy's PBKDF2 for them (4,096 rounds, ~5 ms of blocked event loop; 64 clients
 * connecting at once queued behind it) is done once per role, as pgbouncer does.
 * It holds nothing the proxy does not already hold: the upstream password.
 */
const upstreamSalted = new FifoMap<string, Buffer>();
function cachedSaltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  const key = `${iterations}:${salt.toString('base64')}:${sha256(Buffer.from(password, "utf8")).toString("base64")}`;
  let sp = upstreamSalted.get(key);
  if (!sp) {
    sp = saltedPassword(password, salt, iterations);
    if (upstreamSalted.size >= 256) upstreamSalted.deleteOldest();
    upstreamSalted.set(key, sp);
  }
  return sp;
}

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function makeVerifier(password: string, iterations = ITERATIONS): string {
  const salt = randomBytes(16);
  const sp = saltedPassword(password, salt, iterations);
  const storedKey = sha256(hmac(sp, 'Client Key'));
  const serverKey = hmac(sp, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export function parseVerifier(text: string): ScramVerifier {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) throw new IlogError('BAD_VERIFIER', 'stored SCRAM verifier is malformed; re-add the user with `ilog user add`');
  return { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
}

/**
 * A verifier that no password matches, derived from the user name so that an
 * unknown user sees the same salt on every attempt and the same exchange as a
 * known user with a wrong password.
 */
export function decoyVerifier(user: string, secret: Buffer): ScramVerifier {
  const d = hmac(secret, 'decoy:' + user);
  return { iterations: ITERATIONS, salt: d.subarray(0, 16), storedKey: hmac(secret, 'stored:' + user), serverKey: hmac(secret, 'server:' + user) };
}

function attrs(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

function authFailed(): IlogError {
  return new IlogError('AUTH_FAILED', 'password authentication failed');
}

/** Server side of one SCRAM exchange. */
export class ScramServer {
  #v: ScramVerifier;
  #clientFirstBare = '';
  #serverFirst = '';
  #nonce = '';

  constructor(v: ScramVerifier) {
    this.#v = v;
  }

  /** Handles client-first-message, returns server-first-message. */
  first(clientFirst: string): string {
    // gs2 header: only "n,," (no channel binding) or "y,," (client could but we do not offer it).
    if (!clientFirst.startsWith('n,,') && !clientFirst.startsWith('y,,')) throw authFailed();
    this.#clientFirstBare = clientFirst.slice(3);
    const cnonce = attrs(this.#clientFirstBare).get('r');
    if (!cnonce || cnonce.length > 1024) throw authFailed();
    this.#nonce = cnonce + randomBytes(18).toString('base64');
    this.#serverFirst = `r=${this.#nonce},s=${this.#v.salt.toString('base64')},i=${this.#v.iterations}`;
    return this.#serverFirst;
  }

  /** Handles client-final-message; returns server-final-message or throws AUTH_FAILED. */
  final(clientFinal: string): string {
    const a = attrs(clientFinal);
    const proofB64 = a.get('p');
    const pIdx = clientFinal.lastIndexOf(',p=');
    if (!proofB64 || pIdx < 0 || a.get('r') !== this.#nonce) throw authFailed();
    const withoutProof = clientFinal.slice(0, pIdx);
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofB64, 'base64');
    if (proof.length !== 32) throw authFailed();
    const clientKey = xor(proof, hmac(this.#v.storedKey, authMessage));
    if (!timingSafeEqual(sha256(clientKey), this.#v.storedKey)) throw authFailed();
    return 'v=' + hmac(this.#v.serverKey, authMessage).toString('base64');
  }
}

/** Client side of one SCRAM exchange (the proxy logging in upstream). */
export class ScramClient {
  #password: string;
  #nonce = randomBytes(18).toString('base64');
  #clientFirstBare: string;
  #serverSignature: Buffer | undefined;

  constructor(password: string) {
    this.#password = password;
    this.#clientFirstBare = `n=*,r=${this.#nonce}`;
  }

  first(): string {
    return 'n,,' + this.#clientFirstBare;
  }

  final(serverFirst: string): string {
    const a = attrs(serverFirst);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (!nonce?.startsWith(this.#nonce) || !salt || !Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) {
      throw new IlogError('UPSTREAM_AUTH', 'upstream sent an invalid SCRAM server-first-message');
    }
    const sp = cachedSaltedPassword(this.#password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = hmac(sp, 'Client Key');
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage));
    this.#serverSignature = hmac(hmac(sp, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  verifyServer(serverFinal: string): void {
    const v = Buffer.from(attrs(serverFinal).get('v') ?? '', 'base64');
    if (!this.#serverSignature || v.length !== this.#serverSignature.length || !timingSafeEqual(v, this.#serverSignature)) {
      throw new IlogError('UPSTREAM_AUTH', 'upstream server signature did not verify: not the server we expected');
    }
  }
}

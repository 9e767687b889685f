// The client side of connection start-up (protocol v3 §"Start-up"):
// SSLRequest (TLS when configured), CancelRequest, StartupMessage, then
// SCRAM-SHA-256 against ilog's user directory. Unknown persons go through the
// same exchange with a decoy verifier, so they get exactly the error a wrong
// password gets.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { IlogError } from '../../ledger/errors.js';
import type { UserDirectory } from '../directory.js';
import { FrameReader, type Frame } from './protocol/frames.js';
import { authOk, authSasl, authSaslContinue, authSaslFinal, errorResponse, parseStartup } from './protocol/messages.js';
import { BodyReader } from './protocol/reader.js';
import { ScramServer, decoyVerifier, parseVerifier } from './scram.js';
import { SQLSTATE } from './sqlstate.js';

/** Reads frames from a socket one at a time, with a deadline. */
export class FrameSource {
  socket: Socket;
  readonly reader: FrameReader;
  #waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | undefined;
  #error: Error | undefined;
  #onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    this.#wake();
  };
  #onEnd = (): void => {
    this.#error ??= new IlogError('CLIENT_GONE', 'client closed the connection during start-up');
    this.#wake();
  };

  constructor(socket: Socket, maxMessage: number) {
    this.socket = socket;
    this.reader = new FrameReader({ startup: true, maxMessage });
    this.#attach();
  }

  #attach(): void {
    this.socket.on('data', this.#onData);
    this.socket.on('end', this.#onEnd);
    this.socket.on('close', this.#onEnd);
    this.socket.on('error', this.#onEnd);
  }

  detach(): void {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onEnd);
    this.socket.off('error', this.#onEnd);
  }

  rebind(socket: Socket): void {
    this.detach();
    this.socket = socket;
    this.#attach();
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    try {
      const f = this.reader.next();
      if (f) {
        this.#waiter = undefined;
        w.resolve(f);
      } else if (this.#error) {
        this.#waiter = undefined;
        w.reject(this.#error);
      }
    } catch (e) {
      this.#waiter = undefined;
      w.reject(e as Error);
    }
  }

  next(timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new IlogError('LOGIN_TIMEOUT', `client did not complete start-up within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.#wake();
    });
  }
}

export type LoginResult =
  | { kind: 'login'; socket: Socket; reader: FrameReader; params: Record<string, string>; person: string; role: string }
  | { kind: 'cancel'; pid: number; secret: number };

export interface LoginOptions {
  users: UserDirectory;
  tls?: SecureContext;
  decoySecret: Buffer;
  maxMessage: number;
  timeoutMs?: number;
}

/** Sends a FATAL error and closes; used for every start-up failure. */
export function fatal(socket: Socket, code: string, message: string, hint?: string): void {
  if (!socket.destroyed) socket.end(errorResponse({ severity: 'FATAL', code, message, hint }));
}

/** Runs start-up and authentication. Throws IlogError (after answering the client) on failure. */
export async function acceptLogin(raw: Socket, o: LoginOptions): Promise<LoginResult> {
  const src = new FrameSource(raw, o.maxMessage);
  const timeout = o.timeoutMs ?? 30_000;
  try {
    let req = parseStartup((await src.next(timeout)).body);
    for (let i = 0; i < 2 && (req.kind === 'ssl' || req.kind === 'gssenc'); i++) {
      if (req.kind === 'ssl' && o.tls && !(src.socket instanceof TLSSocket)) {
        if (src.reader.buffered > 0) throw new IlogError('PROTOCOL_VIOLATION', 'data received before the TLS handshake');
        src.socket.write('S');
        src.rebind(new TLSSocket(src.socket, { isServer: true, secureContext: o.tls }));
      } else src.socket.write('N');
      src.reader.startup = true;
      req = parseStartup((await src.next(timeout)).body);
    }
    if (req.kind === 'cancel') return { kind: 'cancel', pid: req.pid, secret: req.secret };
    if (req.kind !== 'startup') throw new IlogError('PROTOCOL_VIOLATION', 'expected a StartupMessage');
    if (req.params.replication && req.params.replication !== 'false') {
      fatal(src.socket, SQLSTATE.FEATURE_NOT_SUPPORTED, 'ilog proxy does not support replication connections');
      throw new IlogError('UNSUPPORTED', 'replication connection refused');
    }
    const person = req.params.user!;
    const user = o.users.lookup(person);
    const scram = new ScramServer(user ? parseVerifier(user.verifier) : decoyVerifier(person, o.decoySecret));
    src.socket.write(authSasl(['SCRAM-SHA-256']));
    const init = await src.next(timeout);
    if (init.type !== 0x70 /* 'p' */) throw new IlogError('PROTOCOL_VIOLATION', 'expected SASLInitialResponse');
    const r = new BodyReader(init.body);
    const mech = r.cstring();
    const len = r.int32();
    const first = len < 0 ? '' : r.bytes(len).toString('utf8');
    let ok = mech === 'SCRAM-SHA-256';
    let serverFinal = '';
    if (ok) {
      try {
        src.socket.write(authSaslContinue(scram.first(first)));
        const resp = await src.next(timeout);
        if (resp.type !== 0x70) throw new IlogError('PROTOCOL_VIOLATION', 'expected SASLResponse');
        serverFinal = scram.final(resp.body.toString('utf8'));
      } catch (e) {
        if (!(e instanceof IlogError && e.code === 'AUTH_FAILED')) throw e;
        ok = false;
      }
    }
    if (!ok || !user) {
      fatal(src.socket, SQLSTATE.AUTH_FAILED, `password authentication failed for user "${person}"`);
      throw new IlogError('AUTH_FAILED', 'authentication failed', { person });
    }
    src.socket.write(Buffer.concat([authSaslFinal(serverFinal), authOk]));
    src.detach();
    return { kind: 'login', socket: src.socket, reader: src.reader, params: req.params, person, role: user.role };
  } catch (e) {
    src.detach();
    if (e instanceof IlogError && e.code === 'PROTOCOL_VIOLATION') fatal(src.socket, SQLSTATE.PROTOCOL_VIOLATION, e.message);
    else if (!(e instanceof IlogError && e.code === 'AUTH_FAILED') && !(e instanceof IlogError && e.code === 'UNSUPPORTED')) src.socket.destroy();
    throw e;
  }
}

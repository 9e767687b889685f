// Logging in to the upstream PostgreSQL as the mapped role (protocol v3
// start-up: StartupMessage, authentication — SCRAM-SHA-256, MD5 or
// cleartext — then ParameterStatus/BackendKeyData until ReadyForQuery).
// The credentials are the proxy's own; persons never see them.
import { createHash } from 'node:crypto';
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { IlogError } from '../../ledger/errors.js';
import { FrameReader, type Frame } from './protocol/frames.js';
import { BodyReader } from './protocol/reader.js';
import { cstr, int32, message, parseErrorFields, startupPacket, cancelPacket } from './protocol/messages.js';
import { ScramClient } from './scram.js';

export interface UpstreamTarget {
  host: string;
  port: number;
  /** libpq's sslmode subset: prefer (default: TLS when offered), disable, require (unverified), verify-full. */
  sslmode?: 'disable' | 'prefer' | 'require' | 'verify-full';
}

export interface UpstreamCredentials {
  user: string;
  password: string;
}

export interface UpstreamSession {
  socket: Socket;
  frames: FrameReader;
  /** ParameterStatus messages as received, to replay to the client. */
  parameterStatus: Buffer[];
  pid: number;
  secret: number;
}

/** Parses postgres://user:pass@host:port/db into target, credentials and database. */
export function parseUpstreamUrl(url: string): { target: UpstreamTarget; credentials: UpstreamCredentials; database?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IlogError('USAGE', `--upstream is not a URL: expected postgres://role:password@host:port/database`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new IlogError('USAGE', '--upstream must be a postgres:// URL');
  const sslmode = u.searchParams.get('sslmode') ?? 'prefer';
  if (!['disable', 'prefer', 'require', 'verify-full'].includes(sslmode)) throw new IlogError('USAGE', 'sslmode must be disable, prefer, require or verify-full', { sslmode });
  return {
    target: { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432), sslmode: sslmode as UpstreamTarget['sslmode'] },
    credentials: { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
  };
}

function md5hex(s: string | Buffer): string {
  return createHash('md5').update(s).digest('hex');
}

/** TCP connection, upgraded to TLS after an SSLRequest when the sslmode asks for it and the server agrees. */
function openTransport(target: UpstreamTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const raw = connect({ host: target.host, port: target.port, noDelay: true });
    raw.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    const done = (s: Socket): void => {
      raw.setTimeout(0);
      raw.removeListener('error', fail);
      resolve(s);
    };
    const fail = (e: Error): void => {
      raw.destroy();
      reject(new IlogError('UPSTREAM_UNAVAILABLE', `cannot reach upstream PostgreSQL at ${target.host}:${target.port}: ${e.message}`));
    };
    raw.once('error', fail);
    raw.once('connect', () => {
      const mode = target.sslmode ?? 'prefer';
      if (mode === 'disable') return done(raw);
      raw.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])); // SSLRequest
      raw.once('data', (b: Buffer) => {
        if (b[0] === 0x4e /* 'N' */ && b.length === 1) {
          if (mode !== 'prefer') return fail(new Error(`server refused TLS but sslmode=${mode}`));
          return done(raw);
        }
        if (b[0] !== 0x53 /* 'S' */ || b.length !== 1) return fail(new Error('unexpected answer to SSLRequest'));
        const tls = tlsConnect({ socket: raw, servername: isIP(target.host) ? undefined : target.host, rejectUnauthorized: mode === 'verify-full' });
        tls.once('error', fail);
        tls.once('secureConnect', () => {
          tls.removeListener('error', fail);
          done(tls);
        });
      });
    });
  });
}

/** Connects and authenticates; rejects with IlogError('UPSTREAM_…') carrying the server's SQLSTATE when it refuses. */
export async function connectUpstream(target: UpstreamTarget, creds: UpstreamCredentials, params: Record<string, string>, timeoutMs = 10_000): Promise<UpstreamSession> {
  const socket = await openTransport(target, timeoutMs);
  return new Promise((resolve, reject) => {
    const frames = new FrameReader();
    const parameterStatus: Buffer[] = [];
    let pid = 0;
    let secret = 0;
    let scram: ScramClient | undefined;
    const timer = setTimeout(() => fail(new IlogError('UPSTREAM_UNAVAILABLE', `upstream did not complete login within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      reject(e instanceof IlogError ? e : new IlogError('UPSTREAM_UNAVAILABLE', `cannot reach upstream PostgreSQL at ${target.host}:${target.port}: ${e.message}`));
    };
    socket.once('error', fail);
    socket.write(startupPacket({ ...params, user: creds.user }));
    const onFrame = (f: Frame): boolean => {
      const type = String.fromCharCode(f.type);
      if (type === 'R') {
        const r = new BodyReader(f.body);
        const code = r.int32();
        if (code === 0) return false;
        if (code === 3) socket.write(message('p', cstr(creds.password)));
        else if (code === 5) {
          const salt = r.bytes(4);
          socket.write(message('p', cstr('md5' + md5hex(Buffer.concat([Buffer.from(md5hex(creds.password + creds.user)), salt])))));
        } else if (code === 10) {
          scram = new ScramClient(creds.password);
          const first = Buffer.from(scram.first());
          socket.write(message('p', cstr('SCRAM-SHA-256'), int32(first.length), first));
        } else if (code === 11 && scram) socket.write(message('p', scram.final(r.rest().toString('utf8'))));
        else if (code === 12 && scram) scram.verifyServer(r.rest().toString('utf8'));
        else throw new IlogError('UPSTREAM_AUTH', `upstream asked for an authentication method ilog does not support (code ${code})`);
      } else if (type === 'S') parameterStatus.push(Buffer.from(f.raw));
      else if (type === 'K') {
        const r = new BodyReader(f.body);
        pid = r.int32();
        secret = r.int32();
      } else if (type === 'E') {
        const e = parseErrorFields(f.body);
        throw new IlogError('UPSTREAM_REFUSED', `upstream refused the login: ${e.M ?? 'unknown error'}`, { sqlstate: e.C, role: creds.user });
      } else if (type === 'Z') {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.removeListener('data', onData);
        resolve({ socket, frames, parameterStatus, pid, secret });
        return true;
      }
      return false;
    };
    const onData = (chunk: Buffer): void => {
      try {
        frames.push(chunk);
        for (let f = frames.next(); f; f = frames.next()) if (onFrame(f)) return;
      } catch (e) {
        fail(e as Error);
      }
    };
    socket.on('data', onData);
  });
}

/** Sends a CancelRequest for an upstream backend on a fresh connection (fire and forget). */
export function cancelUpstream(target: UpstreamTarget, pid: number, secret: number): void {
  const s = connect({ host: target.host, port: target.port });
  s.on('error', () => s.destroy());
  s.on('connect', () => s.end(cancelPacket(pid, secret)));
}

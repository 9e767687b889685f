// Syslog output: RFC 5424 messages in octet-counting frames (RFC 6587 §3.4.1 over
// TCP, RFC 5425 over TLS: `MSG-LEN SP SYSLOG-MSG`). Structured data uses the
// SD-ID `ilog@32473` (32473 is the private enterprise number RFC 5612 reserves for
// documentation; pick your own if your SIEM keys on it).
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { IlogError } from '../ledger/errors.js';
import type { ExportRecord } from './record.js';

/** RFC 5424 facility 13: log audit. */
const FACILITY = 13;
const BOM = '\uFEFF';
const PRINTUSASCII = /^[\x21-\x7e]+$/;
/** HOSTNAME of every message: this host, printable. */
export const SYSLOG_HOST = printable(hostname(), 255);

/** A header field (RFC 5424 PRINTUSASCII, at most `max` characters; `-`, the NILVALUE, when empty). */
export function printable(s: string, max: number): string {
  if (s.length <= max && PRINTUSASCII.test(s)) return s; // the common case, without a new string
  const t = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return t === '' ? '-' : t;
}

/** SD-PARAM value escaping (RFC 5424 §6.3.3): `"`, `\` and `]`. */
export function sdParam(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/**
 * RFC 5424 PRI: facility 13 × 8 + severity: bypasses are alerts (1), high alerts critical (2),
 * medium 4, other alerts and locks notices (5), the rest informational (6).
 */
export function syslogPri(kind: string, alertSeverity: unknown): number {
  let severity = 6;
  if (kind === 'bypass.detected') severity = 1;
  else if (kind === 'alert.raised') severity = alertSeverity === 'high' || alertSeverity === 'critical' ? 2 : alertSeverity === 'medium' ? 4 : 5;
  else if (kind.startsWith('lock')) severity = 5;
  return FACILITY * 8 + severity;
}

/** Longest MSGID (RFC 5424: 32) and TIMESTAMP the header carries. */
export const MSGID_MAX = 32;
export const TIMESTAMP_MAX = 64;

// An export has one origin: its SD-PARAM form is made once.
let lastOrigin = '';
let lastOriginParam = '';
function originParam(origin: string): string {
  if (origin !== lastOrigin) (lastOrigin = origin), (lastOriginParam = sdParam(origin));
  return lastOriginParam;
}

/** The UTF-8 BOM that starts every message's body (RFC 5424 §6.4). */
export const SYSLOG_BOM = Buffer.from(BOM, 'utf8');

/**
 * An RFC 5424 message's header and structured data, up to the BOM; ASCII unless the origin is
 * not (the BOM, a two-byte character, kept out of the string makes its UTF-8 encoding cheap).
 */
export function syslogHeader(r: ExportRecord): string {
  const pri = syslogPri(r.entry.kind, r.entry.severity);
  const sd = `[ilog@32473 index="${r.index}" leafHash="${r.leafHash}" origin="${originParam(r.origin)}"]`;
  return `<${pri}>1 ${printable(String(r.entry.time), TIMESTAMP_MAX)} ${SYSLOG_HOST} ilog - ${printable(r.entry.kind, MSGID_MAX)} ${sd} `;
}

/** One RFC 5424 message carrying `body` (an OCSF, CEF or jsonl rendering of the record). */
export function syslogMessage(r: ExportRecord, body: string): string {
  return `${syslogHeader(r)}${BOM}${body}`;
}

/** Where exported bytes go. write() hands them to the OS at once when it can. */
export interface Sink {
  /** Writes `chunk`; returns how many of its bytes are still in this process (not yet in the kernel). */
  write(chunk: Buffer): number;
  /** Resolves once everything written so far has left this process (is in the kernel); rejects if the sink failed. */
  flushed(): Promise<void>;
  /** A file (file-sink.ts): its length with everything written so far, which the cursor records once flushed() resolved. */
  length?(): number;
  close(): Promise<void>;
}

/** A syslog receiver at `tcp://host:port` or `tls://host:port` (RFC 5425; `ca` to trust a private CA). */
export async function connectSyslog(url: string, opts: { ca?: Buffer; timeoutMs?: number } = {}): Promise<Sink> {
  const m = /^(tcp|tls):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(url);
  if (!m) throw new IlogError('USAGE', `--syslog wants tcp://host:port or tls://host:port (got "${url}")`);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = Number(m[3]);
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = m[1] === 'tls' ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...(opts.ca ? { ca: opts.ca } : {}) }) : netConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new IlogError('SYSLOG_UNAVAILABLE', `syslog receiver ${url} did not accept a connection within ${opts.timeoutMs ?? 10_000} ms`, { url }));
    }, opts.timeoutMs ?? 10_000);
    s.once(m[1] === 'tls' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(new IlogError('SYSLOG_UNAVAILABLE', `cannot reach syslog receiver ${url}: ${e.message}`, { url }));
    });
  });
  return socketSink(socket, url);
}

function socketSink(socket: Socket, url: string): Sink {
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= new IlogError('SYSLOG_UNAVAILABLE', `syslog receiver ${url} failed: ${e.message}; restart the export to resume from its cursor`, { url });
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', () => {}); // receivers may talk; nothing they say changes what was sent
  // Settles when the newest write has been handed to the kernel (its callback).
  let lastWrite: Promise<void> = Promise.resolve();
  // TLS: Node's TLS layer encrypts and writes on its own schedule, so nothing says how much plaintext reached the
  // kernel when write() returns: the whole chunk counts as kept until its write callback (at least once over TLS).
  const writeTls = (chunk: Buffer): number => {
    lastWrite = new Promise((resolve) => socket.write(chunk, () => resolve()));
    return chunk.length;
  };
  return {
    write(chunk) {
      if (failure) throw failure;
      if (socket instanceof TLSSocket) return writeTls(chunk);
      lastWrite = new Promise((resolve) => socket.write(chunk, () => resolve()));
      if (socket.writableLength === 0) return 0;
      // TCP: libuv's queue holds exactly the bytes the kernel did not take.
      const queued = (socket as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize;
      return typeof queued !== 'number' || queued === 0 ? chunk.length : queued;
    },
    async flushed() {
      if (failure) throw failure;
      await lastWrite;
      if (failure) throw failure;
    },
    close() {
      return new Promise((resolve) => socket.end(() => resolve()));
    },
  };
}

/** Standard output as a sink (`ilog export` without --syslog). */
export function stdoutSink(out: NodeJS.WritableStream & { writableLength?: number } = process.stdout): Sink {
  return {
    write: (chunk) => (out.write(chunk), 0),
    // The callback of an empty write runs once everything written before it is flushed. ('drain' comes only
    // after a write() that returned false: waiting for it with a smaller backlog hung until the loop emptied.)
    flushed: () => (out.writableLength ? new Promise((r) => out.write('', () => r())) : Promise.resolve()),
    close: () => Promise.resolve(),
  };
}

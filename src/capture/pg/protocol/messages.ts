// Building and parsing the PostgreSQL protocol v3 messages the proxy itself
// sends or needs to understand (protocol-message-formats, PostgreSQL 15).
import { BodyReader, violation } from './reader.js';

export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST = 80877103;
export const CANCEL_REQUEST = 80877102;
export const GSSENC_REQUEST = 80877104;

/** A typed message: type byte, int32 length, body. */
export function message(type: string, ...parts: (Buffer | string)[]): Buffer {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p));
  const len = bufs.reduce((n, b) => n + b.length, 4);
  const out = Buffer.allocUnsafe(len + 1);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(len, 1);
  let off = 5;
  for (const b of bufs) off += b.copy(out, off);
  return out;
}

export function cstr(s: string): Buffer {
  return Buffer.from(s + '\0', 'utf8');
}

export function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}

export function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n);
  return b;
}

export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** ErrorResponse ('E') or NoticeResponse ('N'). */
export function errorResponse(f: ErrorFields, type: 'E' | 'N' = 'E'): Buffer {
  const parts = [cstr('S' + f.severity), cstr('V' + f.severity), cstr('C' + f.code), cstr('M' + f.message)];
  if (f.detail) parts.push(cstr('D' + f.detail));
  if (f.hint) parts.push(cstr('H' + f.hint));
  parts.push(Buffer.from([0]));
  return message(type, ...parts);
}

/** Reads the fields of an ErrorResponse/NoticeResponse body (one-letter keys). */
export function parseErrorFields(body: Buffer): Record<string, string> {
  const r = new BodyReader(body);
  const out: Record<string, string> = {};
  while (r.remaining > 0) {
    const code = r.byte();
    if (code === 0) break;
    out[String.fromCharCode(code)] = r.cstring();
  }
  return out;
}

export const authOk = message('R', int32(0));
export function authSasl(mechanisms: string[]): Buffer {
  return message('R', int32(10), ...mechanisms.map(cstr), Buffer.from([0]));
}
export function authSaslContinue(data: string): Buffer {
  return message('R', int32(11), data);
}
export function authSaslFinal(data: string): Buffer {
  return message('R', int32(12), data);
}
export function parameterStatus(name: string, value: string): Buffer {
  return message('S', cstr(name), cstr(value));
}
export function backendKeyData(pid: number, secret: number): Buffer {
  return message('K', int32(pid), int32(secret));
}
export function readyForQuery(status: number): Buffer {
  return message('Z', Buffer.from([status]));
}
export function commandComplete(tag: string): Buffer {
  return message('C', cstr(tag));
}
export function rowDescription1Text(column: string): Buffer {
  // One text column: name, table oid 0, attnum 0, type oid 25 (text), typlen -1, typmod -1, format 0.
  return message('T', int16(1), cstr(column), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0));
}
export function dataRow1(value: string | null): Buffer {
  if (value === null) return message('D', int16(1), int32(-1));
  const v = Buffer.from(value, 'utf8');
  return message('D', int16(1), int32(v.length), v);
}

/** Untyped startup-phase packet (StartupMessage, SSLRequest, CancelRequest). */
export function startupPacket(params: Record<string, string>): Buffer {
  const parts: Buffer[] = [int32(PROTOCOL_V3)];
  for (const [k, v] of Object.entries(params)) parts.push(cstr(k), cstr(v));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}
export function cancelPacket(pid: number, secret: number): Buffer {
  return Buffer.concat([int32(16), int32(CANCEL_REQUEST), int32(pid), int32(secret)]);
}

export type StartupRequest =
  | { kind: 'startup'; params: Record<string, string> }
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; pid: number; secret: number };

export function parseStartup(body: Buffer): StartupRequest {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === SSL_REQUEST) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST) return { kind: 'cancel', pid: r.int32(), secret: r.int32() };
  if (code !== PROTOCOL_V3) throw violation(`unsupported protocol version ${code >>> 16}.${code & 0xffff}; ilog speaks protocol 3.0`);
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < 64 && r.remaining > 1; i++) {
    const k = r.cstring();
    if (k === '') break;
    params[k] = r.cstring();
  }
  if (!params.user) throw violation('startup packet names no user');
  return { kind: 'startup', params };
}

export interface ParseMsg {
  name: string;
  query: string;
  paramTypes: number[];
}
export function parseParse(body: Buffer): ParseMsg {
  const r = new BodyReader(body);
  const name = r.cstring();
  const query = r.cstring();
  const n = r.int16();
  if (n < 0 || n * 4 > r.remaining) throw violation('Parse: bad parameter type count', { count: n });
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.int32());
  return { name, query, paramTypes };
}

export interface BindMsg {
  portal: string;
  statement: string;
  /** Parameter values as received (null = SQL NULL). */
  params: (Buffer | null)[];
}
export function parseBind(body: Buffer): BindMsg {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const nf = r.int16();
  if (nf < 0 || nf * 2 > r.remaining) throw violation('Bind: bad format count', { count: nf });
  for (let i = 0; i < nf; i++) r.int16();
  const np = r.int16();
  if (np < 0 || np * 4 > r.remaining) throw violation('Bind: bad parameter count', { count: np });
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < np; i++) {
    const len = r.int32();
    params.push(len === -1 ? null : r.bytes(len));
  }
  return { portal, statement, params };
}

/** FunctionCall: the function's OID and its arguments as received (null = SQL NULL). */
export function parseFunctionCall(body: Buffer): { oid: number; args: (Buffer | null)[] } {
  const r = new BodyReader(body);
  const oid = r.int32();
  const nf = r.int16();
  if (nf < 0 || nf * 2 > r.remaining) throw violation('FunctionCall: bad format count', { count: nf });
  for (let i = 0; i < nf; i++) r.int16();
  const na = r.int16();
  if (na < 0 || na * 4 > r.remaining) throw violation('FunctionCall: bad argument count', { count: na });
  const args: (Buffer | null)[] = [];
  for (let i = 0; i < na; i++) {
    const len = r.int32();
    args.push(len < 0 ? null : r.bytes(len));
  }
  return { oid, args };
}

/** Execute: portal name (row limit ignored by the proxy). */
export function parseExecutePortal(body: Buffer): string {
  return new BodyReader(body).cstring();
}

/** Close / Describe: 'S' or 'P' and a name. */
export function parseTarget(body: Buffer): { what: 'S' | 'P'; name: string } {
  const r = new BodyReader(body);
  const what = String.fromCharCode(r.byte());
  if (what !== 'S' && what !== 'P') throw violation(`expected 'S' or 'P', got ${JSON.stringify(what)}`);
  return { what, name: r.cstring() };
}

/** Row count from a CommandComplete tag ("SELECT 5", "INSERT 0 5", "COPY 3"). */
export function rowsFromTag(tag: string): number | undefined {
  const m = /(\d+)$/.exec(tag);
  return m && /^(SELECT|INSERT|UPDATE|DELETE|MERGE|COPY|FETCH|MOVE)\b/.test(tag) ? Number(m[1]) : undefined;
}

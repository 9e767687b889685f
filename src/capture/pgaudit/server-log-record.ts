// One csvlog record (PostgreSQL 15, "Using CSV-Format Log Output": 26 columns)
// and, when it is a pgAudit record, its audit fields ("AUDIT: <type>,<statement
// id>,<substatement id>,<class>,<command>,<object type>,<object name>,<statement>,
// <parameter>"). Parse, then verify: a record with the wrong shape is an error,
// never a silent skip, since a skipped record is an unseen access.
import { IlogError } from '../../ledger/errors.js';
import { splitCsvLine } from './csv-records.js';

export const CSVLOG_COLUMNS = 26;

export interface ServerLogRecord {
  time: string;
  user: string;
  database: string;
  pid: number;
  /** "host:port" (TCP), "[local]" (unix socket) or "" (background processes). */
  connectionFrom: string;
  /** csvlog session_id: hex backend start time "." hex pid — unique per backend, unlike the pid. */
  session: string;
  /** Per-backend line number, 1-based and contiguous: a jump means records are missing. */
  line: number;
  commandTag: string;
  sessionStart: string;
  severity: string;
  message: string;
  application: string;
  backendType: string;
  audit?: AuditFields;
}

export interface AuditFields {
  type: string;
  statement: number;
  substatement: number;
  class: string;
  command: string;
  objectType: string;
  objectName: string;
  text: string;
}

const int = (s: string, what: string, offset: number): number => {
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < 0 || s === '') throw new IlogError('SERVER_LOG_MALFORMED', `csvlog ${what} is not a non-negative integer`, { offset, value: s.slice(0, 40) });
  return v;
};

export function parseServerLogRecord(f: string[], offset: number): ServerLogRecord {
  if (f.length !== CSVLOG_COLUMNS) {
    throw new IlogError('SERVER_LOG_MALFORMED', `a csvlog record has ${f.length} columns, PostgreSQL 15 writes ${CSVLOG_COLUMNS}: point the reconciler at a PostgreSQL 15 csvlog`, { offset });
  }
  const r: ServerLogRecord = {
    time: f[0]!,
    user: f[1]!,
    database: f[2]!,
    pid: int(f[3]!, 'process_id', offset),
    connectionFrom: f[4]!,
    session: f[5]!,
    line: int(f[6]!, 'session_line_num', offset),
    commandTag: f[7]!,
    sessionStart: f[8]!,
    severity: f[11]!,
    message: f[13]!,
    application: f[22]!,
    backendType: f[23]!,
  };
  if (r.severity === 'LOG' && r.message.startsWith('AUDIT: ')) r.audit = parseAudit(r.message.slice(7), offset);
  return r;
}

function parseAudit(s: string, offset: number): AuditFields {
  const a = splitCsvLine(s, 9);
  if (a.length < 8) throw new IlogError('SERVER_LOG_MALFORMED', 'a pgAudit record has fewer than 8 fields', { offset });
  return {
    type: a[0]!,
    statement: int(a[1]!, 'pgAudit statement id', offset),
    substatement: int(a[2]!, 'pgAudit substatement id', offset),
    class: a[3]!,
    command: a[4]!,
    objectType: a[5]!,
    objectName: a[6]!,
    text: a[7]!,
  };
}

/** The client port of a TCP backend ("127.0.0.1:39464" → 39464), undefined otherwise. */
export function clientPort(connectionFrom: string): number | undefined {
  const c = connectionFrom.lastIndexOf(':');
  if (c < 0 || connectionFrom.startsWith('[local]')) return undefined;
  const p = Number(connectionFrom.slice(c + 1));
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : undefined;
}

export function clientAddress(connectionFrom: string): string | undefined {
  if (connectionFrom === '') return undefined;
  const c = connectionFrom.lastIndexOf(':');
  return c > 0 && !connectionFrom.startsWith('[local]') ? connectionFrom.slice(0, c) : connectionFrom;
}

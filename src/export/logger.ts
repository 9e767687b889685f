// Structured logs: JSON lines through pino (the logger fastify uses itself), one
// object per line with `level`, `time`, `component` and, for HTTP requests,
// `reqId`; `--log-format pretty` renders the same records for a terminal
// (pino-pretty). Secrets never reach the output: structured fields that hold them
// are redacted by path, and every line is scrubbed before it is written
// (bearer tokens, ilog tokens, passwords in URLs, private keys, and the exact
// secrets the process knows, such as its write token).
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  component: string;
  format?: LogFormat;
  level?: LogLevel;
  /** Secret strings this process holds (tokens, passwords): replaced wherever they would appear. */
  secrets?: readonly string[];
  /** Where lines go (default: standard error). */
  out?: NodeJS.WritableStream;
}

/** Field paths whose values are secrets wherever they appear in a log record. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.key',
  '*.skey',
  'password',
  'token',
  'secret',
  'key',
];

const SCRUB: [RegExp, string][] = [
  [/(Bearer\s+)[^\s"\\]+/gi, '$1[REDACTED]'],
  [/\bilog_[a-z]+_[A-Za-z0-9_-]{8,}/g, '[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]*:)[^@\s"/]+@/gi, '$1[REDACTED]@'],
  [/PRIVATE\+KEY\+[^\s"\\]+/g, '[REDACTED]'],
  [/([?&](?:token|password|secret|key)=)[^&\s"]+/gi, '$1[REDACTED]'],
];

/** Replaces every secret shape and every known secret in `line`. */
export function scrub(line: string, secrets: readonly string[] = []): string {
  let out = line;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[REDACTED]');
  for (const [re, to] of SCRUB) out = out.replace(re, to);
  return out;
}

export function createLogger(o: LoggerOptions): Logger {
  const target = o.out ?? process.stderr;
  const secrets = [...(o.secrets ?? [])];
  const scrubbed = new Writable({
    write(chunk: Buffer, _enc, done) {
      target.write(scrub(chunk.toString('utf8'), secrets));
      done();
    },
  });
  const dest = o.format === 'pretty' ? pretty({ destination: scrubbed, colorize: Boolean((target as { isTTY?: boolean }).isTTY), sync: true }) : scrubbed;
  return pino(
    {
      level: o.level ?? 'info',
      base: { component: o.component, pid: process.pid },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

// One configuration file for `ilog serve` and `ilog proxy` (docs/operations.md):
// YAML or JSON (JSON is YAML), validated with zod, errors naming the field
// (BAD_CONFIG {field: "proxy.roles.app"}). Environment variables override the
// file (ILOG_SERVE_LISTEN, ILOG_PROXY_UPSTREAM, …: the table in the docs); flags
// given on the command line override both. Passwords come from a file or an
// environment variable, so none needs to be on a command line.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { issueField } from '../ledger/invalid-field.js';
import { IlogError } from '../ledger/errors.js';

/** A secret: `{file: path}` (trailing newline dropped), `{env: NAME}`, or the value itself (discouraged). */
const secret = z.union([z.string().min(1), z.strictObject({ file: z.string().min(1) }), z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) })]);
export type Secret = z.infer<typeof secret>;

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):[0-9]{1,5}$/, 'host:port, e.g. 127.0.0.1:7400');

export const configSchema = z.strictObject({
  log: z.strictObject({ format: z.enum(['json', 'pretty']).optional(), level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional() }).optional(),
  metrics: z.strictObject({ listen: hostPort.optional() }).optional(),
  serve: z.strictObject({ listen: hostPort.optional(), readTokens: z.boolean().optional() }).optional(),
  proxy: z
    .strictObject({
      listen: hostPort.optional(),
      upstream: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
      /** The upstream URL's role's password, when the URL carries none. */
      upstreamPassword: secret.optional(),
      roles: z.record(z.string().min(1), secret).optional(),
      purposePattern: z.string().min(1).optional(),
      logTimeoutMs: z.number().int().positive().max(600_000).optional(),
      overlap: z.boolean().optional(),
      tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
      reconcile: z.string().optional(),
    })
    .optional(),
});
export type IlogConfig = z.infer<typeof configSchema>;

/** Environment overrides: variable → dotted field. */
export const ENV_OVERRIDES: Record<string, string> = {
  ILOG_LOG_FORMAT: 'log.format',
  ILOG_LOG_LEVEL: 'log.level',
  ILOG_METRICS_LISTEN: 'metrics.listen',
  ILOG_SERVE_LISTEN: 'serve.listen',
  ILOG_PROXY_LISTEN: 'proxy.listen',
  ILOG_PROXY_UPSTREAM: 'proxy.upstream',
  ILOG_PROXY_PURPOSE_PATTERN: 'proxy.purposePattern',
  ILOG_PROXY_LOG_TIMEOUT_MS: 'proxy.logTimeoutMs',
};

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys[keys.length - 1]!] = value;
}

/** Reads, merges the environment in, validates. Without a file, only the environment counts. */
const LEGACY_PROXY_KEYS = ['roles', 'upstream', 'listen', 'purposePattern', 'logTimeoutMs'];

/**
 * Reads, merges the environment in, validates. Without a file, only the environment counts.
 * `ilog proxy --config` files of the first form (the proxy's fields at the top) are read as the `proxy` section.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): IlogConfig {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new IlogError('CONFIG_MISSING', `cannot read the config file ${file}: ${(e as Error).message}`, { file });
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new IlogError('BAD_CONFIG', `${file} is not YAML or JSON: ${(e as Error).message}`, { file });
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new IlogError('BAD_CONFIG', `${file}: the config must be a mapping (an object)`, { file: file ?? null, field: '' });
  let merged = structuredClone(raw) as Record<string, unknown>;
  if (!('proxy' in merged) && LEGACY_PROXY_KEYS.some((k) => k in merged)) merged = { proxy: merged };
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    setPath(merged, path, path.endsWith('Ms') ? Number(v) : v);
  }
  const r = configSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issueField(issue);
    const fromEnv = Object.entries(ENV_OVERRIDES).find(([n, p]) => p === field && env[n]);
    const where = fromEnv ? `environment variable ${fromEnv[0]}` : (file ?? 'the environment');
    const message = issue.code === 'unrecognized_keys' ? `unknown field ${field}` : `${field}: ${issue.message}`;
    throw new IlogError('BAD_CONFIG', `${where}: ${message}; see docs/operations.md#one-config-file`, { file: file ?? null, field });
  }
  return r.data;
}

/** The value of a secret; `field` names it in errors. */
export function resolveSecret(s: Secret, field: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof s === 'string') return s;
  if ('env' in s) {
    const v = env[s.env];
    if (v === undefined || v === '') throw new IlogError('BAD_CONFIG', `${field}: environment variable ${s.env} is not set`, { field });
    return v;
  }
  try {
    return readFileSync(s.file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new IlogError('BAD_CONFIG', `${field}: cannot read ${s.file}: ${(e as Error).message}`, { field, file: s.file });
  }
}

// What the database server must be configured with for the reconciler to see
// every statement (docs/reconcile.md "Server settings"), checked at start over a
// connection as a monitoring role (pg_read_all_settings, e.g. pg_monitor). A
// setting that would let statements go unaudited refuses the start with
// PGAUDIT_SETTINGS naming what to set.
import pg from 'pg';
import { IlogError } from '../../ledger/errors.js';

const REQUIRED_CLASSES = ['read', 'write', 'function', 'role', 'ddl', 'misc'];

export interface ServerFacts {
  /** Absolute directory of the csvlog files. */
  logDirectory: string;
  /** Backend pid and client port of the checking connection (its own audit records are not a bypass). */
  own: { pid: number; port: number; since: number };
}

/** Problems with the settings, each saying what to set; empty when all is well. */
export function settingProblems(s: Record<string, string>, overrides: string[]): string[] {
  const p: string[] = [];
  const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
  if (!list(s.shared_preload_libraries).includes('pgaudit')) p.push("shared_preload_libraries must include 'pgaudit' (then restart PostgreSQL)");
  const classes = list(s['pgaudit.log']);
  const all = classes.includes('all');
  const missing = REQUIRED_CLASSES.filter((c) => !all && !classes.includes(c));
  if (missing.length || classes.some((c) => c.startsWith('-'))) p.push(`pgaudit.log must be 'all' (or include ${REQUIRED_CLASSES.join(', ')}, with no exclusions); it is '${s['pgaudit.log'] ?? ''}'`);
  if (s['pgaudit.log_relation'] !== 'on') p.push("pgaudit.log_relation must be 'on' (one record per relation: the tables behind views and functions)");
  if ((s['pgaudit.log_level'] ?? 'log') !== 'log') p.push("pgaudit.log_level must be 'log'");
  if (s.logging_collector !== 'on') p.push("logging_collector must be 'on' (then restart PostgreSQL)");
  if (!list(s.log_destination).includes('csvlog')) p.push("log_destination must include 'csvlog'");
  if (s.log_connections !== 'on') p.push("log_connections must be 'on'");
  if (s.log_disconnections !== 'on') p.push("log_disconnections must be 'on'");
  if (s.log_truncate_on_rotation === 'on') p.push("log_truncate_on_rotation must be 'off' (a reused file name would erase records before they are read)");
  for (const o of overrides) p.push(`remove the per-role/per-database override ${o} (ALTER ROLE|DATABASE … RESET)`);
  return p;
}

const NAMES = ['shared_preload_libraries', 'pgaudit.log', 'pgaudit.log_relation', 'pgaudit.log_level', 'logging_collector', 'log_destination', 'log_connections', 'log_disconnections', 'log_truncate_on_rotation', 'log_directory', 'data_directory'];

/** Connects as the monitoring role, checks the settings; throws PGAUDIT_SETTINGS or UPSTREAM_UNAVAILABLE. */
export async function checkServerSettings(url: string): Promise<ServerFacts> {
  const since = Date.now();
  const client = new pg.Client({ connectionString: url, application_name: 'ilog-reconcile', connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new IlogError('UPSTREAM_UNAVAILABLE', `cannot connect to the audited server as the monitoring role: ${(e as Error).message}; check --monitor`, {});
  }
  try {
    const r = await client.query<{ name: string; setting: string | null; pid: number }>(
      `SELECT n AS name, current_setting(n, true) AS setting, pg_backend_pid() AS pid FROM unnest($1::text[]) AS n`,
      [NAMES],
    );
    const s: Record<string, string> = {};
    for (const row of r.rows) if (row.setting !== null) s[row.name] = row.setting;
    const o = await client.query<{ setconfig: string[] }>(`SELECT setconfig FROM pg_db_role_setting`);
    const overrides = o.rows.flatMap((row) => row.setconfig ?? []).filter((c) => /^(pgaudit\.|log_)/i.test(c));
    const problems = settingProblems(s, overrides);
    if (problems.length) throw new IlogError('PGAUDIT_SETTINGS', `the audited server is not configured for reconciliation: ${problems.join('; ')}`, { problems });
    if (!s.data_directory && !s.log_directory?.startsWith('/')) throw new IlogError('PGAUDIT_SETTINGS', 'the monitoring role cannot read data_directory: grant it pg_read_all_settings (or pg_monitor), or pass --log-dir', {});
    const dir = s.log_directory!.startsWith('/') ? s.log_directory! : `${s.data_directory}/${s.log_directory}`;
    const port = (client as unknown as { connection: { stream: { localPort?: number } } }).connection.stream.localPort ?? 0;
    return { logDirectory: dir, own: { pid: r.rows[0]!.pid, port, since } };
  } finally {
    await client.end().catch(() => {});
  }
}

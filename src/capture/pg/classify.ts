// What a SQL text does, decided by PostgreSQL's own parser (libpg-query, the
// WASM build of the server's grammar): per statement its kind (parse-tree
// node), the access `action`, the relations it names, its literal values and
// its normalised text (constants → $n), and whether it is housekeeping that
// needs no stated purpose.
import './wasm-flags.js';
import { loadModule, normalizeSync, parseSync } from 'libpg-query';
import { IlogError } from '../../ledger/errors.js';
import { provenReadOnly } from './read-only.js';
import { ShapeCache } from './shape-cache.js';

export type Action = 'select' | 'insert' | 'update' | 'delete' | 'copy_in' | 'copy_out' | 'ddl' | 'grant' | 'other';

export interface StatementInfo {
  /** Parse-tree node name, e.g. 'SelectStmt'. */
  kind: string;
  action: Action;
  relations: string[];
  /** Literal constants in source order, as text. */
  literals: string[];
  /** Normalised statement text (constants → $n). */
  normalized: string;
  /** True when the statement needs no purpose (SET, SHOW, BEGIN, catalog reads, SELECT version(), …). */
  housekeeping: boolean;
  /** `SET ilog.purpose = …` (string) or `RESET ilog.purpose` (null); undefined otherwise. */
  setPurpose?: string | null;
  /** `SHOW ilog.purpose`. */
  showPurpose?: boolean;
  /** Proven not to write (read-only.ts): may run while its access entry is made durable, rows held until it is. */
  readOnly?: boolean;
}

let loaded: Promise<void> | undefined;
/** Loads the WASM parser once per process (compiled eagerly: see wasm-flags.ts). */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

const HOUSEKEEPING_KINDS = new Set([
  'VariableSetStmt', 'VariableShowStmt', 'TransactionStmt', 'DiscardStmt', 'DeallocateStmt',
  'ListenStmt', 'UnlistenStmt', 'PrepareStmt', 'ClosePortalStmt',
]);

/** Functions that read session or server facts, never table data; drivers call them at start-up. */
const SAFE_FUNCTIONS = new Set([
  'version', 'current_setting', 'current_database', 'current_schema', 'current_schemas', 'current_user',
  'session_user', 'current_role', 'user', 'pg_backend_pid', 'pg_is_in_recovery', 'now', 'timeofday',
  'current_timestamp', 'inet_server_addr', 'inet_server_port', 'pg_postmaster_start_time', 'txid_current',
  'pg_current_xact_id', 'format_type', 'pg_get_userbyid', 'has_schema_privilege', 'has_table_privilege',
  'pg_encoding_to_char', 'pg_get_expr', 'pg_table_is_visible', 'obj_description', 'col_description',
  'pg_get_constraintdef', 'pg_get_indexdef', 'pg_get_viewdef', 'array_to_string', 'array_agg', 'count',
  'quote_ident', 'pg_get_function_result', 'pg_get_function_arguments', 'pg_get_triggerdef',
  'pg_get_statisticsobjdef_columns', 'pg_relation_is_publishable', 'pg_get_partkeydef',
]);
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

interface Collected {
  relations: Set<string>;
  ctes: Set<string>;
  consts: { loc: number; text: string }[];
  functions: string[];
}

function relationName(rv: Record<string, unknown>): string {
  const rel = String(rv.relname);
  const schema = typeof rv.schemaname === 'string' ? rv.schemaname : rel.startsWith('pg_') ? 'pg_catalog' : 'public';
  return `${schema}.${rel}`;
}

function constText(c: Record<string, any>): string | undefined {
  if (c.isnull) return undefined;
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return String(c.fval.fval);
  if (c.sval) return String(c.sval.sval ?? '');
  if (c.boolval) return c.boolval.boolval ? 'true' : 'false';
  if (c.bsval) return String(c.bsval.bsval);
  return undefined;
}

function walk(node: unknown, out: Collected, depth = 0): void {
  if (depth > 500 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, out, depth + 1);
    return;
  }
  const o = node as Record<string, any>;
  if (typeof o.relname === 'string') {
    if (typeof o.schemaname === 'string' || !out.ctes.has(o.relname)) out.relations.add(relationName(o));
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === 'A_Const') {
      const t = constText(v);
      if (t !== undefined) out.consts.push({ loc: Number(v.location ?? 0), text: t });
      continue;
    }
    if (k === 'FuncCall' && Array.isArray(v.funcname)) {
      out.functions.push(v.funcname.map((f: any) => f.String?.sval ?? '').join('.'));
    }
    if (k === 'CommonTableExpr' && typeof v.ctename === 'string') out.ctes.add(v.ctename);
    walk(v, out, depth + 1);
  }
}

function actionOf(kind: string, stmt: Record<string, any>): Action {
  switch (kind) {
    case 'SelectStmt':
      return stmt.intoClause ? 'ddl' : 'select';
    case 'InsertStmt':
      return 'insert';
    case 'UpdateStmt':
    case 'MergeStmt':
      return 'update';
    case 'DeleteStmt':
    case 'TruncateStmt':
      return 'delete';
    case 'CopyStmt':
      return stmt.is_from ? 'copy_in' : 'copy_out';
    case 'GrantStmt':
    case 'GrantRoleStmt':
    case 'AlterDefaultPrivilegesStmt':
      return 'grant';
    case 'ExplainStmt': {
      const inner = Object.entries(stmt.query ?? {})[0];
      return inner ? actionOf(inner[0], inner[1] as Record<string, any>) : 'other';
    }
    default:
      return /^(Create|Alter|Drop|Rename|Comment|Index|View|Rule|Reindex|Cluster|Vacuum)/.test(kind) ? 'ddl' : 'other';
  }
}

function isHousekeeping(kind: string, c: Collected): boolean {
  if (HOUSEKEEPING_KINDS.has(kind)) return true;
  if (kind !== 'SelectStmt') return false;
  for (const r of c.relations) if (!CATALOG_SCHEMAS.has(r.slice(0, r.indexOf('.')))) return false;
  return c.functions.every((f) => SAFE_FUNCTIONS.has(f.replace(/^pg_catalog\./, '').toLowerCase()));
}

function setVariable(kind: string, stmt: Record<string, any>): Pick<StatementInfo, 'setPurpose' | 'showPurpose'> {
  if (kind === 'VariableSetStmt' && String(stmt.name).toLowerCase() === 'ilog.purpose') {
    if (stmt.kind === 'VAR_SET_VALUE') {
      const arg = stmt.args?.[0]?.A_Const;
      return { setPurpose: arg ? (constText(arg) ?? '') : '' };
    }
    return { setPurpose: null };
  }
  if (kind === 'VariableShowStmt' && String(stmt.name).toLowerCase() === 'ilog.purpose') return { showPurpose: true };
  return {};
}

/**
 * Analyses one query string (one or more statements). Throws
 * IlogError('SQL_SYNTAX', …, {position}) when PostgreSQL's grammar rejects it.
 * `locations`, when given, receives per statement the offsets of its literals (shape-cache.ts).
 */
export function analyze(sql: string, locations?: number[][]): StatementInfo[] {
  let tree: { stmts?: { stmt: Record<string, any>; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (e) {
    const d = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new IlogError('SQL_SYNTAX', (e as Error).message, { position: d?.cursorPosition });
  }
  const stmts = tree.stmts ?? [];
  const bytes = stmts.length > 1 ? Buffer.from(sql, 'utf8') : undefined;
  return stmts.map((s) => {
    const [kind, node] = Object.entries(s.stmt)[0] ?? ['Unknown', {}];
    // CTE names first, so a reference to a CTE is not mistaken for a table.
    const pre: Collected = { relations: new Set(), ctes: new Set(), consts: [], functions: [] };
    walk((node as any).withClause, pre);
    const c: Collected = { relations: new Set(), ctes: pre.ctes, consts: [], functions: [] };
    walk(node, c);
    const start = s.stmt_location ?? 0;
    const text = bytes ? bytes.toString('utf8', start, s.stmt_len ? start + s.stmt_len : bytes.length) : sql;
    c.consts.sort((a, b) => a.loc - b.loc);
    locations?.push(c.consts.map((x) => x.loc));
    return {
      kind,
      action: actionOf(kind, node as Record<string, any>),
      relations: [...c.relations].sort(),
      literals: c.consts.map((x) => x.text),
      normalized: normalizeSync(text),
      housekeeping: isHousekeeping(kind, c),
      readOnly: provenReadOnly(kind, node),
      ...setVariable(kind, node as Record<string, any>),
    };
  });
}

/**
 * analyze() with a bounded cache keyed by the exact text (prepared statements and repeated queries
 * hit it), and in front of the parser the shape cache (statements that differ only in constants).
 */
export class Analyzer {
  #cache = new Map<string, StatementInfo[]>();
  #shapes: ShapeCache;
  #max: number;
  constructor(max = 2000) {
    this.#max = max;
    this.#shapes = new ShapeCache(max);
  }
  analyze(sql: string): StatementInfo[] {
    const hit = this.#cache.get(sql);
    if (hit) return hit;
    const r = this.#shapes.analyze(sql, analyze);
    if (sql.length <= 8192) {
      if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sql, r);
    }
    return r;
  }
}

// What a SQL text does, decided by PostgreSQL's own parser (libpg-query, the
// WASM build of the server's grammar): per statement its kind (parse-tree
// node), the access `action`, the relations it names, its literal values and
// its normalised text (constants → $n), and whether it is housekeeping that
// needs no stated purpose.
import './wasm-flags.js';
import { loadModule, normalizeSync, parseSync } from 'libpg-query';
import { IlogError } from '../../ledger/errors.js';
import { CATALOG_FUNCTIONS, CATALOG_RELATIONS, METADATA_SCHEMAS } from './catalog-allowlist.js';
import { gucChange, type GucChange } from './guc-change.js';
import { provenReadOnly, provenTransactional, returnsRows } from './read-only.js';
import { ShapeCache } from './shape-cache.js';
import { statementBodies } from './sql-bodies.js';
import { collectNames, constText, emptyNames, type Names, type QName } from './sql-names.js';
import { FifoMap } from '../../ledger/fifo-map.js';

export type Action = 'select' | 'insert' | 'update' | 'delete' | 'copy_in' | 'copy_out' | 'ddl' | 'grant' | 'other';

/**
 * Names of a statement that PostgreSQL must resolve in the person's session
 * before the statement may run without a purpose (see resolve.ts). Every
 * qualified name of such a statement is already known to be allow-listed.
 */
export interface CatalogCheck {
  /** Unqualified relation names, each in CATALOG_RELATIONS. */
  relations: string[];
  /** Unqualified function names, each in CATALOG_FUNCTIONS. */
  functions: string[];
  types: string[];
  operators: string[];
  /** Names that may be functional notation (`c.f` = f(c)). */
  attributes: string[];
}

export interface StatementInfo {
  /** Parse-tree node name, e.g. 'SelectStmt'. */
  kind: string;
  action: Action;
  /** Relations as written: `hr.patients` when qualified, `patients` when not (the session qualifies it, search-path.ts). */
  relations: string[];
  /** Literal constants in source order, as text (those of bodies follow those of the statement). */
  literals: string[];
  /** Normalised statement text (constants → $n). */
  normalized: string;
  /** True when the statement needs no purpose whatever the session (SET, SHOW, BEGIN, SELECT 1, fully qualified catalog reads). */
  housekeeping: boolean;
  /** Set when the statement needs no purpose only if the session resolves these names to allow-listed catalog objects. */
  catalogCheck?: CatalogCheck;
  /** Normalised SQL found inside the statement (DO / function bodies, SQL string arguments). */
  body?: { text: string; opaque: boolean };
  /** True when the statement names a temporary relation (so unqualified names may resolve to pg_temp). */
  temp: boolean;
  /** A change to ilog.purpose, search_path or the transaction that the session follows (guc-change.ts). */
  guc?: GucChange;
  /** `SET ilog.purpose = …` (string) or `RESET ilog.purpose` (null); undefined otherwise. */
  setPurpose?: string | null;
  /** `SHOW ilog.purpose`. */
  showPurpose?: boolean;
  /** SQL-level PREPARE / EXECUTE / DEALLOCATE (name undefined: DEALLOCATE ALL), so EXECUTE is logged as what it runs. */
  sqlPrepared?: { op: 'prepare' | 'execute' | 'deallocate'; name?: string; action?: Action };
  /** Proven not to write (read-only.ts): may run while its access entry is made durable, rows held until it is. */
  readOnly?: boolean;
  /** Effects undone by ROLLBACK (read-only.ts): inside an explicit transaction, may run while its entry is made durable; COMMIT waits. */
  transactional?: boolean;
  /** The answer may carry rows (SELECT, RETURNING): held until the entry is durable. */
  returnsRows?: boolean;
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
const CATALOG = 'pg_catalog';

function qualified(q: QName): string {
  return q.schema ? `${q.schema}.${q.name}` : q.name;
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
    case 'ExplainStmt':
    case 'DeclareCursorStmt': {
      const inner = Object.entries(stmt.query ?? {})[0];
      return inner ? actionOf(inner[0], inner[1] as Record<string, any>) : 'other';
    }
    default:
      return /^(Create|Alter|Drop|Rename|Comment|Index|View|Rule|Reindex|Cluster|Vacuum)/.test(kind) ? 'ddl' : 'other';
  }
}

/** When a statement does several things, the log names the strongest: a write wins over a read. */
const STRENGTH: Action[] = ['other', 'select', 'copy_out', 'grant', 'ddl', 'copy_in', 'insert', 'update', 'delete'];
function stronger(a: Action, b: Action): Action {
  return STRENGTH.indexOf(b) > STRENGTH.indexOf(a) ? b : a;
}
const WORD_ACTION: Record<string, Action> = { DELETE: 'delete', TRUNCATE: 'delete', UPDATE: 'update', MERGE: 'update', INSERT: 'insert', COPY: 'copy_in', DROP: 'ddl', ALTER: 'ddl', CREATE: 'ddl', GRANT: 'grant' };

/** Writable CTEs: `WITH x AS (DELETE …) SELECT …` deletes. */
function cteAction(stmt: Record<string, any>, base: Action): Action {
  let a = base;
  for (const c of stmt.withClause?.ctes ?? []) {
    const inner = Object.entries(c?.CommonTableExpr?.ctequery ?? {})[0];
    if (inner) a = stronger(a, cteAction(inner[1] as Record<string, any>, actionOf(inner[0], inner[1] as Record<string, any>)));
  }
  return a;
}

/**
 * Whether the statement can be purpose-free: housekeeping outright, a catalog
 * read that the session must confirm (CatalogCheck), or neither (undefined).
 */
function purposeFree(kind: string, n: Names, hasBody: boolean): true | CatalogCheck | undefined {
  if (HOUSEKEEPING_KINDS.has(kind)) return true;
  if (kind !== 'SelectStmt' || hasBody) return undefined;
  const check: CatalogCheck = { relations: [], functions: [], types: [], operators: [], attributes: [] };
  for (const r of n.relations) {
    if (r.schema === undefined) {
      if (!CATALOG_RELATIONS.has(r.name)) return undefined;
      check.relations.push(r.name);
    } else if (!(r.schema === CATALOG && CATALOG_RELATIONS.has(r.name)) && !METADATA_SCHEMAS.has(r.schema)) return undefined;
  }
  for (const f of n.functions) {
    const name = f.name.toLowerCase();
    if (!CATALOG_FUNCTIONS.has(name) || (f.schema !== undefined && f.schema !== CATALOG)) return undefined;
    if (f.schema === undefined) check.functions.push(name);
  }
  for (const [list, into] of [[n.types, check.types], [n.operators, check.operators]] as const) {
    for (const t of list) {
      if (t.schema !== undefined && t.schema !== CATALOG) return undefined;
      if (t.schema === undefined) into.push(t.name);
    }
  }
  check.attributes.push(...n.attributes);
  const dedupe = (a: string[]): string[] => [...new Set(a)].sort();
  const c: CatalogCheck = { relations: dedupe(check.relations), functions: dedupe(check.functions), types: dedupe(check.types), operators: dedupe(check.operators), attributes: dedupe(check.attributes) };
  return Object.values(c).every((a) => a.length === 0) ? true : c;
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

function sqlPrepared(kind: string, node: Record<string, any>): Pick<StatementInfo, 'sqlPrepared'> {
  const name = typeof node.name === 'string' ? node.name : undefined;
  if (kind === 'PrepareStmt') {
    // PREPARE reads nothing (action other); what it prepares runs at EXECUTE, with this action.
    const inner = Object.entries(node.query ?? {})[0];
    return { sqlPrepared: { op: 'prepare', name, action: inner ? cteAction(inner[1] as Record<string, any>, actionOf(inner[0], inner[1] as Record<string, any>)) : 'other' } };
  }
  if (kind === 'ExecuteStmt') return { sqlPrepared: { op: 'execute', name } };
  if (kind === 'DeallocateStmt') return { sqlPrepared: { op: 'deallocate', ...(node.isall ? {} : { name }) } };
  return {};
}

type ParsedStmt = { stmt: Record<string, any>; stmt_location?: number; stmt_len?: number };

function parse(sql: string): ParsedStmt[] {
  try {
    return ((parseSync(sql) as { stmts?: ParsedStmt[] }).stmts ?? []);
  } catch (e) {
    const d = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new IlogError('SQL_SYNTAX', (e as Error).message, { position: d?.cursorPosition });
  }
}

const MAX_DEPTH = 4;

/** One statement: its names, action and the SQL inside it (recursively, bounded). */
function analyzeOne(kind: string, node: Record<string, any>, text: string, depth: number): StatementInfo & { names: Names } {
  const ctes = new Set<string>();
  // CTE names first, so a reference to a CTE is not mistaken for a table.
  collectNames(node.withClause, ctes, emptyNames());
  const names = emptyNames();
  collectNames(node, ctes, names);
  names.consts.sort((a, b) => a.loc - b.loc);
  let action = cteAction(node, actionOf(kind, node));
  const literals = names.consts.map((x) => x.text);
  const bodies = depth < MAX_DEPTH ? statementBodies(kind, node, names.sqlArgs) : { sql: [], opaque: true, writes: [] };
  const bodyTexts: string[] = [];
  let opaque = bodies.opaque;
  const inner = emptyNames();
  for (const sql of bodies.sql) {
    let stmts: ParsedStmt[];
    try {
      stmts = parse(sql);
    } catch {
      opaque = true;
      continue;
    }
    const bytes = Buffer.from(sql, 'utf8');
    for (const s of stmts) {
      const [k, n] = Object.entries(s.stmt)[0] ?? ['Unknown', {}];
      const start = s.stmt_location ?? 0;
      const t = bytes.toString('utf8', start, s.stmt_len ? start + s.stmt_len : bytes.length).trim();
      const sub = analyzeOne(k, n as Record<string, any>, t, depth + 1);
      // A function body is stored, not run, when it is created: CREATE FUNCTION stays ddl.
      if (kind !== 'CreateFunctionStmt') action = stronger(action, sub.action);
      bodyTexts.push(sub.normalized, ...(sub.body ? [sub.body.text] : []));
      opaque ||= sub.body?.opaque ?? false;
      literals.push(...sub.literals);
      inner.relations.push(...sub.names.relations);
      inner.functions.push(...sub.names.functions);
    }
  }
  if (kind === 'DoStmt') for (const w of bodies.writes) action = stronger(action, WORD_ACTION[w] ?? 'other');
  // A procedure's body lives in the database, not in the statement: the entry says the proxy could not read it.
  if (kind === 'CallStmt') opaque = true;
  names.relations.push(...inner.relations);
  names.functions.push(...inner.functions);
  const free = purposeFree(kind, names, bodies.sql.length > 0 || opaque);
  // set_config() can change search_path from inside any statement: the proxy then stops trusting its own copy.
  const guc: GucChange | undefined = gucChange(kind, node) ?? (names.functions.some((f) => f.name.toLowerCase() === 'set_config') ? { t: 'unknown', name: 'search_path' } : undefined);
  const temp = names.temp;
  return {
    kind,
    action,
    relations: [...new Set(names.relations.map(qualified))].sort(),
    literals,
    normalized: normalizeSync(text),
    housekeeping: free === true,
    readOnly: provenReadOnly(kind, node),
    transactional: provenTransactional(kind, node),
    returnsRows: returnsRows(kind, node),
    ...(free && free !== true ? { catalogCheck: free } : {}),
    ...(bodyTexts.length || opaque ? { body: { text: bodyTexts.join(';\n'), opaque } } : {}),
    temp,
    ...(guc ? { guc } : {}),
    ...setVariable(kind, node),
    ...sqlPrepared(kind, node),
    names,
  };
}

/**
 * Analyses one query string (one or more statements). Throws
 * IlogError('SQL_SYNTAX', …, {position}) when PostgreSQL's grammar rejects it.
 * `locations`, when given, receives per statement the offsets of its own literals (shape-cache.ts).
 */
export function analyze(sql: string, locations?: number[][]): StatementInfo[] {
  const stmts = parse(sql);
  const bytes = stmts.length > 1 ? Buffer.from(sql, 'utf8') : undefined;
  return stmts.map((s) => {
    const [kind, node] = Object.entries(s.stmt)[0] ?? ['Unknown', {}];
    const start = s.stmt_location ?? 0;
    const text = bytes ? bytes.toString('utf8', start, s.stmt_len ? start + s.stmt_len : bytes.length) : sql;
    const { names, ...info } = analyzeOne(kind, node as Record<string, any>, text, 0);
    locations?.push(names.consts.map((x) => x.loc));
    return info;
  });
}

/**
 * analyze() with a bounded cache keyed by the exact text (prepared statements and repeated queries
 * hit it), and in front of the parser the shape cache (statements that differ only in constants).
 */
export class Analyzer {
  #cache = new FifoMap<string, StatementInfo[]>();
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
      if (this.#cache.size >= this.#max) this.#cache.deleteOldest();
      this.#cache.set(sql, r);
    }
    return r;
  }
}

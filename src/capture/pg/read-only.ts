// Which statements are proven read-only from their parse tree, so the proxy may
// send them upstream while their access entry is still being made durable
// (their rows are held until it is; see docs/proxy.md, "The promise"). Proven
// means: a plain SELECT (no INTO, no FOR UPDATE/SHARE, no data-modifying
// statement anywhere inside, e.g. a writable CTE) whose every function and
// operator is a built-in known not to write or to have side effects. Anything
// else — DO, CALL, unknown or schema-qualified functions, user operators — may
// write, and stays log-first.

/** Built-in functions (pg_catalog) that neither write nor change session state. */
const READ_ONLY_FUNCTIONS = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'json_agg', 'jsonb_agg',
  'lower', 'upper', 'length', 'char_length', 'substr', 'substring', 'trim', 'btrim', 'ltrim', 'rtrim', 'replace', 'concat',
  'concat_ws', 'left', 'right', 'lpad', 'rpad', 'position', 'strpos', 'split_part', 'md5', 'abs', 'round', 'floor', 'ceil',
  'ceiling', 'trunc', 'mod', 'power', 'sqrt', 'greatest', 'least', 'now', 'current_date', 'current_timestamp', 'date_trunc',
  'date_part', 'extract', 'age', 'to_char', 'to_date', 'to_timestamp', 'to_number', 'format', 'row_number', 'rank',
  'dense_rank', 'lag', 'lead', 'first_value', 'last_value', 'version', 'current_database', 'current_schema', 'current_user',
  'session_user', 'array_length', 'cardinality', 'unnest', 'generate_series', 'coalesce', 'nullif',
]);

/** Built-in operators on built-in types (a user-defined operator may call any function). */
const READ_ONLY_OPERATORS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '||', '~~', '!~~', '~~*', '!~~*', '~', '!~', '~*', '!~*',
  'between', 'not between', 'between symmetric', 'not between symmetric']);

/** Parse-tree nodes that write or lock, wherever they appear. */
const WRITING_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function builtinName(names: unknown, allowed: Set<string>): boolean {
  if (!Array.isArray(names) || names.length === 0 || names.length > 2) return false;
  const parts = names.map((n: { String?: { sval?: string } }) => n?.String?.sval);
  if (parts.some((p) => typeof p !== 'string')) return false;
  if (parts.length === 2 && parts[0] !== 'pg_catalog') return false;
  return allowed.has(String(parts[parts.length - 1]).toLowerCase());
}

/** `writes`: whether data-modifying statements and locking clauses are allowed (their effects are transactional). */
function builtinTree(node: unknown, depth: number, writes: boolean): boolean {
  if (node === null || typeof node !== 'object') return true;
  if (depth > 500) return false;
  if (Array.isArray(node)) return node.every((n) => builtinTree(n, depth + 1, writes));
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (!writes && WRITING_NODES.has(k)) return false;
    if (k === 'intoClause' || (!writes && k === 'lockingClause' && Array.isArray(v) && v.length > 0)) return false;
    if (k === 'FuncCall' && !builtinName((v as { funcname?: unknown }).funcname, READ_ONLY_FUNCTIONS)) return false;
    if (k === 'A_Expr' && (v as { name?: unknown }).name !== undefined && !builtinName((v as { name?: unknown }).name, READ_ONLY_OPERATORS)) return false;
    if (!builtinTree(v, depth + 1, writes)) return false;
  }
  return true;
}

/** True only for a statement proven not to write (see above); `stmt` is the statement's parse-tree node. */
export function provenReadOnly(kind: string, stmt: unknown): boolean {
  return kind === 'SelectStmt' && builtinTree(stmt, 0, false);
}

/** Statements whose every effect is undone by ROLLBACK: DML and SELECT, with only built-in read-only functions and operators. */
const TRANSACTIONAL_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * True for a statement whose effects, inside an explicit transaction block, stay
 * invisible until COMMIT and vanish with ROLLBACK: INSERT/UPDATE/DELETE/MERGE or
 * SELECT (locking clauses allowed; no SELECT INTO, which creates a table), calling
 * only the built-in functions and operators above. Such a statement may run while
 * its entry is made durable, because COMMIT waits for it (docs/proxy.md). Not
 * covered, as for reads: triggers, rules, defaults (`nextval` of a serial column is
 * not rolled back) and policies that the text does not show.
 */
export function provenTransactional(kind: string, stmt: unknown): boolean {
  return TRANSACTIONAL_KINDS.has(kind) && builtinTree(stmt, 0, true);
}

/** Whether the statement's answer may carry rows (SELECT, or a RETURNING list): those are held until the entry is durable. */
export function returnsRows(kind: string, stmt: unknown): boolean {
  if (kind === 'SelectStmt') return true;
  // PostgreSQL 18's tree (libpg-query 17+): returningClause.exprs; earlier: returningList.
  const s = stmt as { returningList?: unknown; returningClause?: { exprs?: unknown } } | null;
  const list = s?.returningClause?.exprs ?? s?.returningList;
  return s?.returningClause !== undefined || (Array.isArray(list) && list.length > 0);
}

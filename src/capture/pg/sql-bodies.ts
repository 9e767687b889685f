// SQL hidden inside a statement: the body of `DO` and `CREATE FUNCTION /
// PROCEDURE` (SQL or PL/pgSQL, parsed with libpg-query's PL/pgSQL parser), and
// string arguments that are SQL (query_to_xml('select …'), dblink). The proxy
// logs the statements found there, so `DO $$ … DELETE … $$` is a delete of the
// tables it names, not an anonymous `DO $1`. What cannot be parsed (dynamic
// EXECUTE, another language, a body PL/pgSQL rejects) is reported as opaque:
// the statement needs a purpose and the reconciler records what really ran.
import { parsePlPgSQLSync } from 'libpg-query';

export interface Bodies {
  /** SQL statements found inside the statement, in order. */
  sql: string[];
  /** True when part of the body could not be read as SQL (dynamic SQL, other languages, parse failure). */
  opaque: boolean;
  /** Write keywords seen in an opaque body (so its action is never weaker than what it visibly does). */
  writes: string[];
}

function defElems(list: unknown): Map<string, any> {
  const m = new Map<string, any>();
  if (Array.isArray(list)) for (const d of list) if (d?.DefElem?.defname) m.set(String(d.DefElem.defname), d.DefElem.arg);
  return m;
}

function bodyText(arg: any): string | undefined {
  if (typeof arg?.String?.sval === 'string') return arg.String.sval;
  const items = arg?.List?.items;
  if (Array.isArray(items) && typeof items[0]?.String?.sval === 'string') return items[0].String.sval;
  return undefined;
}

/** Every SQL text in a PL/pgSQL parse tree; `opaque` when it runs dynamic SQL. */
function plpgsqlQueries(node: unknown, out: Bodies, depth = 0): void {
  if (depth > 500 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) plpgsqlQueries(n, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, any>)) {
    if (k === 'PLpgSQL_stmt_dynexecute' || k === 'PLpgSQL_stmt_dynfors' || k === 'PLpgSQL_stmt_open') out.opaque = true;
    if (k === 'PLpgSQL_expr' && typeof v?.query === 'string') {
      // parseMode 0 is a whole statement; the others are expressions, which PostgreSQL runs as SELECT <expr>.
      out.sql.push(v.parseMode === 0 || v.parseMode === undefined ? v.query : `SELECT ${v.query}`);
      continue;
    }
    plpgsqlQueries(v, out, depth + 1);
  }
}

/**
 * Write keywords anywhere in a body nobody could parse (in strings too: another
 * language passes SQL as strings), so its action is never weaker than what it visibly does.
 */
function writeWords(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(/\b(DELETE|UPDATE|INSERT|MERGE|TRUNCATE|COPY|DROP|ALTER|CREATE|GRANT)\b/gi)) seen.add(m[1]!.toUpperCase());
  return [...seen];
}

function plpgsql(body: string, out: Bodies): void {
  // The PL/pgSQL parser wants a whole CREATE FUNCTION; a tag absent from the body quotes it.
  let tag = 'ilog';
  for (let i = 0; body.includes(`$${tag}$`) && i < 100; i++) tag = `ilog${i}`;
  try {
    plpgsqlQueries(parsePlPgSQLSync(`CREATE FUNCTION ilog_body() RETURNS void LANGUAGE plpgsql AS $${tag}$${body}$${tag}$`), out);
  } catch {
    out.opaque = true;
    out.writes.push(...writeWords(body));
  }
}

/** The SQL inside one statement (kind and parse-tree node as libpg-query gives them). */
export function statementBodies(kind: string, node: Record<string, any>, sqlArgs: { fn: string; arg: string }[]): Bodies {
  const out: Bodies = { sql: [], opaque: false, writes: [] };
  for (const a of sqlArgs) out.sql.push(a.arg);
  if (kind === 'DoStmt') {
    const o = defElems(node.args);
    const lang = String(o.get('language')?.String?.sval ?? 'plpgsql').toLowerCase();
    const body = bodyText(o.get('as'));
    if (body !== undefined && lang === 'plpgsql') plpgsql(body, out);
    else if (body !== undefined) (out.opaque = true), out.writes.push(...writeWords(body));
  } else if (kind === 'CreateFunctionStmt' && !node.sql_body) {
    const o = defElems(node.options);
    const lang = String(o.get('language')?.String?.sval ?? 'sql').toLowerCase();
    const body = bodyText(o.get('as'));
    if (body === undefined) return out;
    if (lang === 'sql') out.sql.push(body);
    else if (lang === 'plpgsql') plpgsql(body, out);
    else (out.opaque = true), out.writes.push(...writeWords(body));
  }
  return out;
}

// The names a parsed statement refers to, as written: relations, functions,
// types and operators (each with its schema when qualified), the trailing
// names of qualified column references (`t.f` is also functional notation for
// f(t)), CTE names and literal constants. Which object a name really means is
// decided later, in the person's session (resolve.ts): the same text can read
// a catalog in one session and patient rows in another.

/** A possibly schema-qualified name as written in the statement. */
export interface QName {
  schema?: string;
  name: string;
}

export interface Names {
  relations: QName[];
  functions: QName[];
  types: QName[];
  operators: QName[];
  /** Last fields of qualified column references and indirections: `c.leak` may call leak(c). */
  attributes: string[];
  consts: { loc: number; text: string }[];
  /** String arguments of functions that run their argument as SQL or name a table (query_to_xml, table_to_xml, dblink, …). */
  sqlArgs: { fn: string; arg: string }[];
}

/** Functions whose string argument is SQL text (index of that argument). */
const SQL_TEXT_ARG: Record<string, number> = {
  query_to_xml: 0, query_to_xmlschema: 0, query_to_xml_and_xmlschema: 0, dblink: 1, dblink_exec: 1, dblink_send_query: 1,
  dblink_open: 2, pg_prepare: 1,
};
/** Functions whose string argument names a table. */
const TABLE_ARG: Record<string, number> = { table_to_xml: 0, table_to_xmlschema: 0, table_to_xml_and_xmlschema: 0 };
/** A_Expr kinds whose `name` is a keyword, with the operators PostgreSQL uses for them. */
const KEYWORD_OPS: Record<string, string[]> = {
  AEXPR_BETWEEN: ['>=', '<='], AEXPR_NOT_BETWEEN: ['>=', '<='], AEXPR_BETWEEN_SYM: ['>=', '<='], AEXPR_NOT_BETWEEN_SYM: ['>=', '<='],
};

export function emptyNames(): Names {
  return { relations: [], functions: [], types: [], operators: [], attributes: [], consts: [], sqlArgs: [] };
}

function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.map((n: any) => (typeof n?.String?.sval === 'string' ? n.String.sval : '')) : [];
}

function qname(parts: string[]): QName {
  return parts.length > 1 ? { schema: parts[parts.length - 2]!, name: parts[parts.length - 1]! } : { name: parts[0] ?? '' };
}

export function constText(c: Record<string, any>): string | undefined {
  if (c.isnull) return undefined;
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return String(c.fval.fval);
  if (c.sval) return String(c.sval.sval ?? '');
  if (c.boolval) return c.boolval.boolval ? 'true' : 'false';
  if (c.bsval) return String(c.bsval.bsval);
  return undefined;
}

/** Parses a table name given as text ('hr.patients', '"Odd"'); undefined when it is not a plain name. */
export function parseTableText(text: string): QName | undefined {
  const m = /^\s*(?:("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*\.\s*)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*$/.exec(text);
  if (!m) return undefined;
  const id = (s: string): string => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  return m[1] ? { schema: id(m[1]), name: id(m[2]!) } : { name: id(m[2]!) };
}

/** Collects the names of one statement's parse tree. `ctes` are names that refer to CTEs, not relations. */
export function collectNames(node: unknown, ctes: Set<string>, out: Names, depth = 0): void {
  if (depth > 500 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) collectNames(n, ctes, out, depth + 1);
    return;
  }
  const o = node as Record<string, any>;
  if (typeof o.relname === 'string' && (typeof o.schemaname === 'string' || !ctes.has(o.relname))) {
    out.relations.push(typeof o.schemaname === 'string' ? { schema: o.schemaname, name: o.relname } : { name: o.relname });
  }
  for (const [k, v] of Object.entries(o)) {
    switch (k) {
      case 'A_Const': {
        const t = constText(v);
        if (t !== undefined) out.consts.push({ loc: Number(v.location ?? 0), text: t });
        continue;
      }
      case 'FuncCall':
        if (Array.isArray(v.funcname)) {
          const q = qname(strings(v.funcname));
          out.functions.push(q);
          sqlArgument(q.name.toLowerCase(), v.args, out);
        }
        break;
      case 'TypeName':
      case 'typeName':
        if (Array.isArray(v?.names)) out.types.push(qname(strings(v.names)));
        break;
      case 'A_Expr': {
        const ops = KEYWORD_OPS[String(v.kind)];
        if (ops) for (const op of ops) out.operators.push({ name: op });
        else if (Array.isArray(v.name)) out.operators.push(qname(strings(v.name)));
        break;
      }
      case 'ColumnRef': {
        const f = strings(v.fields);
        if (f.length > 1 && f[f.length - 1]) out.attributes.push(f[f.length - 1]!);
        break;
      }
      case 'A_Indirection':
        for (const s of strings(v.indirection)) if (s) out.attributes.push(s);
        break;
      case 'CommonTableExpr':
        if (typeof v.ctename === 'string') ctes.add(v.ctename);
        break;
    }
    collectNames(v, ctes, out, depth + 1);
  }
}

function sqlArgument(fn: string, args: unknown, out: Names): void {
  const at = SQL_TEXT_ARG[fn] ?? TABLE_ARG[fn];
  if (at === undefined || !Array.isArray(args)) return;
  const a = args[at]?.A_Const ?? args[at]?.TypeCast?.arg?.A_Const;
  const text = a ? constText(a) : undefined;
  if (text === undefined) return;
  if (TABLE_ARG[fn] !== undefined) {
    const t = parseTableText(text);
    if (t) out.relations.push(t);
  } else out.sqlArgs.push({ fn, arg: text });
}

// Asking PostgreSQL which objects a catalog read's names mean in this very
// session, before it may run without a purpose. The question runs on the
// person's own backend (same search_path, same temporary schema, same role),
// fully qualified so nothing in it can itself be shadowed, and reads only
// catalogs. A statement is purpose-free only when the answer shows that every
// relation resolves to pg_catalog (temporary tables come first: PostgreSQL
// finds pg_temp before pg_catalog unless the path places it), every type to
// pg_catalog, and no schema on the path other than pg_catalog holds a function
// or operator of a name the statement uses, so neither an earlier
// `scratch.version()` nor a better-matching overload can be picked.
import type { CatalogCheck } from './classify.js';
import { cstr, int16, int32, message } from './protocol/messages.js';

/** The catalogs the question reads (its own access entry names them). */
export const PROBE_RELATIONS = ['pg_catalog.pg_class', 'pg_catalog.pg_namespace', 'pg_catalog.pg_operator', 'pg_catalog.pg_proc', 'pg_catalog.pg_type'];

/** An E'' literal: independent of standard_conforming_strings, which the session may have changed. */
function lit(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function textArray(names: string[]): string {
  return `ARRAY[${names.map(lit).join(', ')}]::pg_catalog.text[]`;
}

const EQ = 'OPERATOR(pg_catalog.=)';
/** Oids of the schemas the session searches (pg_temp and pg_catalog included), minus pg_catalog (oid 11). */
const PATH_SCHEMAS = `(SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname ${EQ} ANY (pg_catalog.current_schemas(true)) AND n.oid OPERATOR(pg_catalog.<>) 11)`;

function resolved(names: string[], regfn: 'to_regclass' | 'to_regtype', catalog: 'pg_class' | 'pg_type', nsCol: string): string {
  if (names.length === 0) return 'NULL';
  return `(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(x.n, s.nspname)) FROM pg_catalog.unnest(${textArray(names)}) AS x(n) ` +
    `LEFT JOIN pg_catalog.${catalog} c ON c.oid ${EQ} pg_catalog.${regfn}(pg_catalog.quote_ident(x.n)) ` +
    `LEFT JOIN pg_catalog.pg_namespace s ON s.oid ${EQ} c.${nsCol})`;
}

function shadows(names: string[], catalog: 'pg_proc' | 'pg_operator', col: string, nsCol: string): string {
  if (names.length === 0) return 'NULL';
  return `(SELECT pg_catalog.json_agg(DISTINCT o.${col}::pg_catalog.text) FROM pg_catalog.${catalog} o ` +
    `WHERE o.${col}::pg_catalog.text ${EQ} ANY (${textArray(names)}) AND o.${nsCol} ${EQ} ANY (ARRAY${PATH_SCHEMAS}))`;
}

/** One question for several statements of one request. */
export function mergeChecks(checks: CatalogCheck[]): CatalogCheck {
  const keys = ['relations', 'functions', 'types', 'operators', 'attributes'] as const;
  const out = {} as CatalogCheck;
  for (const k of keys) out[k] = [...new Set(checks.flatMap((c) => c[k]))].sort();
  return out;
}

/** The one statement that answers the question, as text (logged, then sent). */
export function probeSql(c: CatalogCheck): string {
  return `SELECT pg_catalog.json_build_object('r', ${resolved(c.relations, 'to_regclass', 'pg_class', 'relnamespace')}, ` +
    `'t', ${resolved(c.types, 'to_regtype', 'pg_type', 'typnamespace')}, ` +
    `'f', ${shadows([...new Set([...c.functions, ...c.attributes])], 'pg_proc', 'proname', 'pronamespace')}, ` +
    `'o', ${shadows(c.operators, 'pg_operator', 'oprname', 'oprnamespace')})::pg_catalog.text`;
}

export interface Verdict {
  /** True when every name resolved to an allow-listed catalog object. */
  catalogOnly: boolean;
  /** Relation names as PostgreSQL resolved them (`scratch.pg_helper`); unresolvable ones keep their bare name. */
  relations: Map<string, string>;
  /** What failed, for the refusal message and tests. */
  why?: string;
}

/** Reads the probe's one JSON value; anything unexpected means "not catalog-only". */
export function judgeProbe(answer: string | undefined): Verdict {
  const relations = new Map<string, string>();
  let a: { r?: [string, string | null][] | null; t?: [string, string | null][] | null; f?: string[] | null; o?: string[] | null };
  try {
    a = JSON.parse(answer ?? '');
  } catch {
    return { catalogOnly: false, relations, why: 'no answer' };
  }
  let why: string | undefined;
  for (const [name, schema] of a.r ?? []) {
    if (schema) relations.set(name, `${schema}.${name}`);
    if (schema !== 'pg_catalog') why ??= `relation ${name} resolves to ${schema ?? 'nothing'}`;
  }
  for (const [name, schema] of a.t ?? []) if (schema !== 'pg_catalog') why ??= `type ${name} resolves to ${schema ?? 'nothing'}`;
  if (a.f?.length) why ??= `function ${a.f.join(', ')} exists outside pg_catalog on the search_path`;
  if (a.o?.length) why ??= `operator ${a.o.join(', ')} exists outside pg_catalog on the search_path`;
  return { catalogOnly: why === undefined, relations, why };
}

/**
 * The probe as extended-protocol messages with its own named statement and
 * portal and no Sync, for when the client's own extended messages are in
 * flight (a simple Query would end their implicit transaction and destroy the
 * unnamed portal). Flush makes PostgreSQL answer at once.
 */
export function extendedProbe(sql: string, name: string): Buffer {
  return Buffer.concat([
    message('P', cstr(name), cstr(sql), int16(0)),
    message('B', cstr(name), cstr(name), int16(0), int16(0), int16(0)),
    message('E', cstr(name), int32(0)),
    message('C', 'P', cstr(name)),
    message('C', 'S', cstr(name)),
    message('H'),
  ]);
}

export function simpleProbe(sql: string): Buffer {
  return message('Q', cstr(sql));
}

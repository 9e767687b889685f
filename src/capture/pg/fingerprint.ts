// A statement's shape: its text with every numeric and string literal cut out,
// and the literals themselves (as PostgreSQL's grammar gives their values).
// Statements of one shape differ only in their constants, so they parse into
// the same tree but for those constants: the proxy analyses a shape once
// (shape-cache.ts). This lexer is deliberately small: anything it does not
// follow exactly as PostgreSQL's scanner does (non-ASCII text, escape or
// prefixed strings, dollar quoting, backslashes, numbers glued to other
// tokens, adjacent strings) makes it give up, and the statement is parsed.
// What it does follow is checked against the real parse before a shape is
// trusted: every literal it found must be exactly one constant of the tree.

/** A literal: its offset in the text and its value as the parse tree holds it. */
export interface Literal {
  at: number;
  /** End of its source text (exclusive). */
  end: number;
  /** `i` int4, `n` other number, `s` string. */
  cls: 'i' | 'n' | 's';
  value: string;
}

export interface Fingerprint {
  /** The text with each literal replaced by NUL and its class: `i` int4, `n` other number, `s` string. */
  key: string;
  literals: Literal[];
}

const INT4_MAX = 2147483647;
const NUMBER = /\d+(\.\d+)?([eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_$]*/y;
const PARAM = /\d+/y;

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12;

/** The shape of `sql`, or undefined when this lexer cannot vouch for it. */
export function fingerprint(sql: string): Fingerprint | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[^\x01-\x7f]/.test(sql)) return undefined; // offsets below are characters; the parser's are bytes
  const literals: Literal[] = [];
  let key = '';
  let from = 0; // start of the text not yet copied into key
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      for (;;) {
        if (i >= n) return undefined;
        if (sql.startsWith('/*', i)) (depth++, (i += 2));
        else if (sql.startsWith('*/', i)) {
          i += 2;
          if (--depth === 0) break;
        } else i++;
      }
    } else if (c === 34) {
      const end = quoted(sql, i, '"');
      if (end < 0) return undefined;
      i = end;
    } else if (c === 39) {
      if (i > 0 && (isWordChar(sql.charCodeAt(i - 1)) || sql.charCodeAt(i - 1) === 38)) return undefined; // E'', B'', X'', U&'', N''
      const end = quoted(sql, i, "'");
      if (end < 0) return undefined;
      const body = sql.slice(i + 1, end - 1);
      if (body.includes('\\')) return undefined; // meaning depends on standard_conforming_strings
      let j = end;
      while (j < n && isSpace(sql.charCodeAt(j))) j++;
      if (sql.charCodeAt(j) === 39) return undefined; // 'a' 'b' continuation rules
      literals.push({ at: i, end, cls: 's', value: body.replaceAll("''", "'") });
      key += sql.slice(from, i) + '\0s';
      from = i = end;
    } else if (c >= 48 && c <= 57) {
      if (i > 0 && (isWordChar(sql.charCodeAt(i - 1)) || sql.charCodeAt(i - 1) === 46)) return undefined;
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(sql)!;
      const end = i + m[0].length;
      const next = sql.charCodeAt(end);
      if (end < n && (isWordChar(next) || next === 46)) return undefined;
      const int = m[1] === undefined && m[2] === undefined;
      const v = int ? Number(m[0]) : NaN;
      // The grammar keeps an int4 as an integer (its decimal form) and anything larger as the text.
      const int4 = int && m[0].replace(/^0+(?=\d)/, '').length <= 10 && v <= INT4_MAX;
      literals.push({ at: i, end, cls: int4 ? 'i' : 'n', value: int4 ? String(v) : m[0] });
      key += sql.slice(from, i) + (int4 ? '\0i' : '\0n');
      from = i = end;
    } else if (c === 36) {
      PARAM.lastIndex = i + 1;
      const p = PARAM.exec(sql);
      if (!p || isWordChar(sql.charCodeAt(i + 1 + p[0].length))) return undefined; // dollar quoting
      i += 1 + p[0].length;
    } else if (c === 46 && sql.charCodeAt(i + 1) >= 48 && sql.charCodeAt(i + 1) <= 57) {
      return undefined; // .5 and t.1-style cases
    } else if (isWordChar(c)) {
      IDENT.lastIndex = i;
      const m = IDENT.exec(sql);
      if (!m) return undefined;
      i += m[0].length;
    } else {
      i++;
    }
  }
  return { key: key + sql.slice(from), literals };
}

/** End (exclusive) of a quoted token starting at `i` (doubled quotes escape), or -1 when unterminated. */
function quoted(sql: string, i: number, q: string): number {
  for (let j = i + 1; ; ) {
    const k = sql.indexOf(q, j);
    if (k < 0) return -1;
    if (sql[k + 1] === q) j = k + 2;
    else return k + 1;
  }
}

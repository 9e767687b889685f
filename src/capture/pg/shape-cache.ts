// Parse each statement shape once (issue #11): pgbench-style traffic sends the
// same statement with new constants every time, and libpg-query's parse plus
// the tree walk were the largest share of the proxy's CPU per statement. A
// shape (fingerprint.ts) is trusted only after a real parse showed that its
// literals are exactly the tree's constants, one for one, with the same values,
// and a second parse of the same shape with other constants gave exactly the
// template filled with those constants (so nothing else derived from the
// statement, such as the normalised text, which keeps type modifiers like
// numeric(10,2) verbatim, depends on them). Later statements of that shape
// reuse the analysis with their own literals. Only DML shapes are cached.
import type { StatementInfo } from './classify.js';
import { fingerprint, type Literal } from './fingerprint.js';
import { FifoMap } from '../../ledger/fifo-map.js';

const CACHEABLE_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt']);
/** Constants that come from keywords, fixed by the shape's own text. */
const KEYWORD_CONST = /^(true|false)\b/i;

interface Template {
  infos: StatementInfo[];
  /** Per statement, per literal: the index of the statement text's literal, or its fixed value. */
  slots: (number | string)[][];
}

export class ShapeCache {
  #shapes = new FifoMap<string, Template | null>();
  #max: number;
  /** Statements answered from a shape (for tests and stats). */
  hits = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** `parse` is classify's analyze (called with a locations out-parameter on a miss). */
  analyze(sql: string, parse: (sql: string, locations: number[][]) => StatementInfo[]): StatementInfo[] {
    const fp = sql.length <= 8192 ? fingerprint(sql) : undefined;
    const t = fp ? this.#shapes.get(fp.key) : undefined;
    if (fp && t) {
      this.hits++;
      return fill(t, fp.literals);
    }
    const locations: number[][] = [];
    const infos = parse(sql, locations);
    if (fp && t === undefined) {
      if (this.#shapes.size >= this.#max) this.#shapes.deleteOldest();
      const made = template(sql, infos, locations, fp.literals);
      this.#shapes.set(fp.key, made && confirmed(made, sql, fp.literals, parse) ? made : null);
    }
    return infos;
  }
}

function fill(t: Template, literals: readonly { value: string }[]): StatementInfo[] {
  return t.infos.map((info, i) => ({ ...info, literals: t.slots[i]!.map((s) => (typeof s === 'number' ? literals[s]!.value : s)) }));
}

/** Parses the shape with every literal changed (same class) and checks the template predicts the result exactly. */
function confirmed(t: Template, sql: string, literals: Literal[], parse: (sql: string, locations: number[][]) => StatementInfo[]): boolean {
  const other = (l: Literal): string => ({ i: l.value === '1' ? '2' : '1', n: l.value === '1.5' ? '2.5' : '1.5', s: l.value === 'x' ? 'y' : 'x' })[l.cls];
  let variant = '';
  let from = 0;
  for (const l of literals) {
    variant += sql.slice(from, l.at) + (l.cls === 's' ? `'${other(l)}'` : other(l));
    from = l.end;
  }
  variant += sql.slice(from);
  try {
    return JSON.stringify(parse(variant, [])) === JSON.stringify(fill(t, literals.map((l) => ({ value: other(l) }))));
  } catch {
    return false;
  }
}

/** The shape's template, or null when the parse does not match the lexer one for one. */
function template(sql: string, infos: StatementInfo[], locations: number[][], literals: Literal[]): Template | null {
  if (infos.length === 0 || infos.length !== locations.length) return null;
  const byOffset = new Map(literals.map((l, i) => [l.at, i]));
  const used = new Set<number>();
  const slots: (number | string)[][] = [];
  for (const [i, info] of infos.entries()) {
    if (!CACHEABLE_KINDS.has(info.kind) || info.setPurpose !== undefined || info.showPurpose) return null;
    const locs = locations[i]!;
    if (locs.length !== info.literals.length) return null;
    const row: (number | string)[] = [];
    for (const [k, loc] of locs.entries()) {
      const value = info.literals[k]!;
      const j = byOffset.get(loc);
      if (j !== undefined && !used.has(j) && literals[j]!.value === value) {
        used.add(j);
        row.push(j);
      } else if (j === undefined && KEYWORD_CONST.test(sql.slice(loc, loc + 6)) && value === sql.slice(loc, loc + value.length).toLowerCase()) {
        row.push(value);
      } else return null;
    }
    slots.push(row);
  }
  return used.size === literals.length ? { infos, slots } : null;
}

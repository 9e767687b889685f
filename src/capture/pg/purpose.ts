// Purpose rules: where a purpose may come from and whether it satisfies the
// policy. Sources, in order of precedence: a leading `/* purpose: … */`
// comment on the query, `SET ilog.purpose = '…'` in the session, and the
// start-up option `-c ilog.purpose=…` (PGOPTIONS / options=).
import { IlogError } from '../../ledger/errors.js';

const COMMENT = /^\s*\/\*\s*purpose\s*:\s*([\s\S]*?)\s*\*\//i;
/**
 * The one length limit for a purpose, wherever it comes from (comment, SET,
 * start-up option). Longer purposes are refused with IL005, never cut: a cut
 * purpose would be logged as something the person did not say.
 */
export const MAX_PURPOSE = 1000;

/** The purpose in a leading comment, if any. */
export function purposeFromComment(sql: string): string | undefined {
  const m = COMMENT.exec(sql);
  return m?.[1] ? m[1] : undefined;
}

/**
 * Splits a start-up `options` string into the ilog purpose and the options to
 * pass upstream (PostgreSQL would otherwise keep `ilog.purpose` as a custom GUC
 * the person could change behind the proxy's back).
 */
export function splitStartupOptions(options: string | undefined): { purpose?: string; searchPath?: string; rest?: string } {
  if (!options) return {};
  // Options are space-separated; `\ ` escapes a space inside a value (libpq rules).
  const tokens = options.match(/(?:\\.|[^\s\\])+/g) ?? [];
  const rest: string[] = [];
  let purpose: string | undefined;
  let searchPath: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const value = t === '-c' ? tokens[i + 1] : t.startsWith('-c') ? t.slice(2) : t.startsWith('--') ? t.slice(2) : undefined;
    const m = value ? /^ilog\.purpose=([\s\S]*)$/i.exec(value) : null;
    if (m) {
      purpose = m[1]!.replace(/\\(.)/g, '$1');
      if (t === '-c') i++;
      continue;
    }
    // search_path stays in the options PostgreSQL gets; the proxy also follows it (search-path.ts).
    const sp = value ? /^search_path=([\s\S]*)$/i.exec(value) : null;
    if (sp) searchPath = sp[1]!.replace(/\\(.)/g, '$1');
    rest.push(t);
    if (t === '-c' && value !== undefined) rest.push(tokens[++i]!);
  }
  return { purpose, searchPath, rest: rest.length ? rest.join(' ') : undefined };
}

/**
 * The purpose rule: a purpose must be non-empty and match the pattern, if any.
 * The pattern is either fixed (`--purpose-pattern`) or read live from a source
 * such as the governance replay (`policy.purpose`), which then takes precedence,
 * so a quorum-approved change applies to running sessions without a restart.
 */
export class PurposePolicy {
  readonly #fixed: RegExp | undefined;
  readonly #live: (() => string | undefined) | undefined;
  #compiled: { source: string; re: RegExp | undefined } | undefined;

  constructor(pattern?: string, live?: () => string | undefined) {
    this.#fixed = compile(pattern, '--purpose-pattern');
    this.#live = live;
  }

  get pattern(): RegExp | undefined {
    const source = this.#live?.();
    if (source === undefined || source === '') return this.#fixed;
    if (this.#compiled?.source !== source) {
      // A governed pattern was validated when it was proposed; one that still fails
      // to compile must not open access, so it accepts nothing.
      let re: RegExp | undefined;
      try {
        re = new RegExp(source);
      } catch {
        re = /(?!)/;
      }
      this.#compiled = { source, re };
    }
    return this.#compiled.re;
  }

  /** True when the purpose is acceptable (non-empty, and matching the pattern if one is set). */
  accepts(purpose: string): boolean {
    const pattern = this.pattern;
    return purpose.trim() !== '' && (!pattern || pattern.test(purpose));
  }
}

function compile(pattern: string | undefined, flag: string): RegExp | undefined {
  try {
    return pattern ? new RegExp(pattern) : undefined;
  } catch (e) {
    throw new IlogError('USAGE', `${flag} is not a valid regular expression: ${(e as Error).message}`);
  }
}

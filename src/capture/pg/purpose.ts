// Purpose rules: where a purpose may come from and whether it satisfies the
// policy. Sources, in order of precedence: a leading `/* purpose: … */`
// comment on the query, `SET ilog.purpose = '…'` in the session, and the
// start-up option `-c ilog.purpose=…` (PGOPTIONS / options=).
import { IlogError } from '../../ledger/errors.js';

const COMMENT = /^\s*\/\*\s*purpose\s*:\s*([\s\S]*?)\s*\*\//i;
const MAX_PURPOSE = 500;

/** The purpose in a leading comment, if any. */
export function purposeFromComment(sql: string): string | undefined {
  const m = COMMENT.exec(sql);
  return m?.[1] ? m[1].slice(0, MAX_PURPOSE) : undefined;
}

/**
 * Splits a start-up `options` string into the ilog purpose and the options to
 * pass upstream (PostgreSQL would otherwise keep `ilog.purpose` as a custom GUC
 * the person could change behind the proxy's back).
 */
export function splitStartupOptions(options: string | undefined): { purpose?: string; rest?: string } {
  if (!options) return {};
  // Options are space-separated; `\ ` escapes a space inside a value (libpq rules).
  const tokens = options.match(/(?:\\.|[^\s\\])+/g) ?? [];
  const rest: string[] = [];
  let purpose: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const value = t === '-c' ? tokens[i + 1] : t.startsWith('-c') ? t.slice(2) : t.startsWith('--') ? t.slice(2) : undefined;
    const m = value ? /^ilog\.purpose=([\s\S]*)$/i.exec(value) : null;
    if (m) {
      purpose = m[1]!.replace(/\\(.)/g, '$1').slice(0, MAX_PURPOSE);
      if (t === '-c') i++;
      continue;
    }
    rest.push(t);
  }
  return { purpose, rest: rest.length ? rest.join(' ') : undefined };
}

export class PurposePolicy {
  readonly pattern: RegExp | undefined;
  constructor(pattern?: string) {
    try {
      this.pattern = pattern ? new RegExp(pattern) : undefined;
    } catch (e) {
      throw new IlogError('USAGE', `--purpose-pattern is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  /** True when the purpose is acceptable (non-empty, and matching the pattern if one is set). */
  accepts(purpose: string): boolean {
    return purpose.trim() !== '' && (!this.pattern || this.pattern.test(purpose));
  }
}

// How a statement taken from the server log enters ilog: normalised and with
// its literal values HMACed exactly as the proxy does for `access` entries
// (classify.ts analyze, entries.ts hmacValue), so values never appear in clear
// and "who queried value X" works across proxied and bypassing statements.
import { createHash } from 'node:crypto';
import { Analyzer } from '../pg/classify.js';
import { hmacValue } from '../pg/entries.js';

const MAX_TEXT = 1000;
const MAX_VALUES = 64;

export interface StatementView {
  text: string;
  sha256: string;
  truncated?: boolean;
  values: string[];
}

export class StatementViews {
  #analyzer = new Analyzer(500);
  #key: Buffer;
  constructor(hmacKey: Buffer) {
    this.#key = hmacKey;
  }

  view(raw: string): StatementView {
    let normalized: string;
    let values: string[];
    try {
      const infos = this.#analyzer.analyze(raw);
      normalized = infos.map((i) => i.normalized).join('; ');
      values = infos.flatMap((i) => i.literals).map((l) => hmacValue(this.#key, l));
    } catch {
      // Not parsable by PostgreSQL's grammar here (pgAudit logs inner statements of functions as is): keep only a keyed hash.
      normalized = '(unparsed statement)';
      values = [hmacValue(this.#key, raw)];
    }
    const truncated = normalized.length > MAX_TEXT || values.length > MAX_VALUES;
    return {
      text: normalized.length > MAX_TEXT ? normalized.slice(0, MAX_TEXT) : normalized,
      sha256: createHash('sha256').update(normalized, 'utf8').digest('hex'),
      ...(truncated ? { truncated: true } : {}),
      values: values.slice(0, MAX_VALUES),
    };
  }

  /** HMAC of the exact statement text: what the proxy records as `upstream.query`. */
  queryHmac(raw: string): string {
    return hmacValue(this.#key, raw);
  }
}

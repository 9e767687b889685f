// What rules produce and how an event's signals become one 0-100 score.
//
// Each rule looks at one entry against the baselines and returns signals with
// a strength in [0,1] (roughly "how sure is this rule, on its own, that a
// reviewer should look") and a plain-language reason. An event's anomaly score
// is the noisy-OR of its signals, 100·(1 − Π(1 − sᵢ)): independent pieces of
// evidence reinforce each other (off hours AND a record foreign to the team is
// more than either), and no amount of weak evidence exceeds 100.
import type { DetectorConfig } from './config.js';
import type { Severity } from './finding.js';

export const RULES = [
  'watchlist',
  'purpose',
  'off-hours',
  'bulk-read',
  'slow-drip',
  'first-access',
  'foreign-record',
  'shared-credentials',
  'privilege',
  'bypass',
  'recon',
  'pattern',
] as const;
export type RuleName = (typeof RULES)[number];

export interface Signal {
  rule: RuleName;
  strength: number;
  reason: string;
  /** Other persons the event concerns (the colleague looked up, the grantee). */
  concerns?: string[];
  /** Earlier entries that belong to the evidence (the other address's last entry, the access of an outcome). */
  entries?: number[];
  /** What the cooldown is about (default: the rule): one record, one table, one grant. */
  key?: string;
}

export function combine(signals: readonly Signal[]): number {
  let keep = 1;
  for (const s of signals) keep *= 1 - Math.min(1, Math.max(0, s.strength));
  return Math.round(100 * (1 - keep));
}

export function severityOf(score: number, cfg: DetectorConfig): Severity {
  return score >= cfg.severity.high ? 'high' : score >= cfg.severity.medium ? 'medium' : 'low';
}

/** 0 below lo, 1 above hi, linear between. */
export function ramp(x: number, lo: number, hi: number): number {
  return hi <= lo ? (x >= hi ? 1 : 0) : Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
}

/** Human number: 1,234 / 40 / 2.5. */
export function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return String(Math.round(n));
  return String(Math.round(n * 10) / 10);
}

// Score calibration across rules: a signal a role raises all the time (an
// engineer's ticket-less purpose tag, a billing clerk's glance at an account)
// tells a reviewer less than one it almost never raises, so each signal's
// strength is scaled by how often its rule fired for the person's role so far,
// per person-day: full strength up to REF, then ∝ (REF / rate)^½ (an IDF-like
// weight). Policy facts (privilege, bypass) and look-ups of one's own relatives
// are never scaled. The budget of reviewed alerts then goes to what is unusual
// for people like them.
import type { GroupState } from '../baseline.js';
import type { Signal } from '../signals.js';

/** Signals per person-day up to which a rule counts as rare for a role. */
const REF = 0.01;
/** Prior: a role starts as if it had seen PRIOR_DAYS person-days at half REF. */
const PRIOR_DAYS = 200;
const FIXED = new Set(['privilege', 'bypass', 'pattern']);
const CONFIDENT = 0.5;

const fixed = (s: Signal) => FIXED.has(s.rule) || s.strength >= 0.95;

export function ruleRate(g: GroupState, rule: string): number {
  return ((g.ruleCounts[rule] ?? 0) + (PRIOR_DAYS * REF) / 2) / (g.personDays + PRIOR_DAYS);
}

/** The signals scaled by their rule's rarity in the role. */
export function calibrate(g: GroupState | undefined, signals: Signal[]): Signal[] {
  if (!g) return signals;
  return signals.map((s) => {
    if (fixed(s)) return s;
    const rate = ruleRate(g, s.rule);
    if (rate <= REF) return s;
    const f = Math.sqrt(REF / rate);
    return { ...s, strength: s.strength * f, reason: f < 0.75 ? `${s.reason} [common in their role: ${Math.round(rate * 1000) / 10}% of person-days]` : s.reason };
  });
}

/**
 * Learn: these (uncalibrated) signals were raised for a member of `g`. Only
 * confident firings count: a rule's weak signals (a late evening an hour or two
 * out) are common everywhere and must not dilute its strong ones.
 */
export function countSignals(g: GroupState | undefined, signals: readonly Signal[]): void {
  if (!g) return;
  for (const s of signals) if (!fixed(s) && s.strength >= CONFIDENT) g.ruleCounts[s.rule] = (g.ruleCounts[s.rule] ?? 0) + 1;
}

// Calibrated risk: how rare a signal is in THIS organisation (issue #10).
//
// A rule's strength says how far an access lies from the person's own norm (an
// hour far from their usual ones, a read many standard deviations above their
// reads). How much that should worry a reviewer depends on how often this
// organisation produces it: a night nurse's ward has off-hours signals every
// day, a billing office almost never. So each rule's signals are counted per
// person-day, by the strongest signal of that rule on the day (a histogram over
// strength, BINS bins), at three levels: the person, their role (peers), and
// everyone. A signal's tail probability p — the share of person-days with a
// signal of that rule at least this strong — is estimated hierarchically, each
// level shrunk toward the one above (a Bayesian estimate with pseudo-counts):
//
//   p_all    = (c_all  + M_ALL · prior(s)) / (d_all  + M_ALL)
//   p_role   = (c_role + M_ROLE · p_all)   / (d_role + M_ROLE)
//   p_person = (c_you  + M_YOU · p_role)   / (d_you  + M_YOU)
//
// so a person with years of history is judged by their own rate, a newcomer by
// their peers', a new role by the organisation's, and an empty detector by the
// rule's own strength (prior). A signal never seen in the organisation's d
// person-days is taken as about 1 in 2d·10^s (the population's floor; s its
// strength), for the person as for everyone — zeros at every level are the
// same person-days seen three times, not three pieces of evidence — so the
// surprise grows with the evidence, not without bound. The signal's surprise is −log10 p ("1 in 10^x
// person-days"). Surprises of different rules add (a sum of log-odds, the
// naive-Bayes combination: independent evidence multiplies rarities); a
// person's day is one case, so a finding carries the surprises of the other
// rules that flagged the person that day. Counts are learned from every signal
// (after it is judged), whether or not a cooldown kept it from a finding, and
// are halved when a level's person-days pass its cap: bounded memory that
// follows a changing organisation. Everything is plain numbers, replayed and
// snapshotted like the rest of the detector's state.
import type { Signal } from './signals.js';

export const BINS = 20;
/** Pseudo person-days of each level's parent (how much a level needs before its own rate dominates). */
const M_YOU = 10;
const M_ROLE = 30;
const M_ALL = 100;
/** Person-days after which a level's counts are halved (bounded memory, recent behaviour weighs more). */
export const CAP = { person: 240, role: 20_000, all: 200_000 } as const;
/** Surprise of one signal is capped: no single rule is "impossible". */
const MAX_SURPRISE = 6;

/** Before any data: a signal of strength s occurs on 10^(−1−3s) person-days (0.3 → 1.3%, 0.8 → 0.04%). */
export function prior(strength: number): number {
  return 10 ** (-1 - 3 * strength);
}

const binOf = (strength: number) => Math.min(BINS - 1, Math.max(0, Math.floor(strength * BINS + 1e-9)));

export interface TailJSON {
  days: number;
  rules: [string, number[]][];
}

/** Person-days per rule by the day's strongest signal of that rule (one level: a person, a role, or everyone). */
export class TailCounts {
  days = 0;
  #rules = new Map<string, number[]>();

  constructor(readonly cap: number) {}

  /** A new person-day at this level. */
  newDay(): void {
    if (++this.days <= this.cap) return;
    this.days /= 2;
    for (const counts of this.#rules.values()) for (let i = 0; i < BINS; i++) counts[i]! /= 2;
  }

  /** The day's strongest signal of `rule` moved from `from` (undefined: none yet) to `to`. */
  move(rule: string, from: number | undefined, to: number): void {
    let counts = this.#rules.get(rule);
    if (!counts) this.#rules.set(rule, (counts = new Array<number>(BINS).fill(0)));
    if (from !== undefined) counts[binOf(from)] = Math.max(0, counts[binOf(from)]! - 1);
    counts[binOf(to)]! += 1;
  }

  /** Person-days with a signal of `rule` at least as strong as `strength` (its bin). */
  tail(rule: string, strength: number): number {
    const counts = this.#rules.get(rule);
    if (!counts) return 0;
    let n = 0;
    for (let i = binOf(strength); i < BINS; i++) n += counts[i]!;
    return n;
  }

  toJSON(): TailJSON {
    return { days: this.days, rules: [...this.#rules] };
  }

  static from(j: TailJSON | undefined, cap: number): TailCounts {
    const t = new TailCounts(cap);
    if (!j) return t;
    t.days = j.days;
    t.#rules = new Map(j.rules.map(([r, c]) => [r, [...c]]));
    return t;
  }
}

/** One person-day: the strongest signal and the largest surprise per rule so far. */
export interface DayCase {
  day: number;
  max: Record<string, number>;
  surprise: Record<string, number>;
}
/** Cases kept per person: today and yesterday (look-ups are judged hours after the glance). */
const CASES = 2;

export interface Levels {
  person: TailCounts;
  role: TailCounts | undefined;
  all: TailCounts;
}

export interface Rarity {
  /** Estimated share of person-days with a signal of this rule at least this strong, for this person. */
  p: number;
  /** −log10 p. */
  surprise: number;
}

/** The tail probability of one signal at the three levels, shrunk toward each other. */
export function rarityOf(levels: Levels, rule: string, strength: number): Rarity {
  const { person, role, all } = levels;
  // Never seen in d person-days is "about 1 in 2d" (1 in 2d·10^s for strength s: a stronger signal stays the rarer), not "impossible".
  const floor = 10 ** -strength / (2 * (all.days + M_ALL));
  const pAll = Math.max((all.tail(rule, strength) + M_ALL * prior(strength)) / (all.days + M_ALL), floor);
  const pRole = role ? (role.tail(rule, strength) + M_ROLE * pAll) / (role.days + M_ROLE) : pAll;
  // The floor holds for the person too: zeros at every level are one piece of evidence (the same person-days), not three.
  const p = Math.max((person.tail(rule, strength) + M_YOU * pRole) / (person.days + M_YOU), floor);
  return { p, surprise: Math.min(MAX_SURPRISE, -Math.log10(Math.min(1, p))) };
}

/** The case of `day` in the person's recent cases, created if it is the newest; undefined for an older day no longer kept. */
export function caseOf(cases: DayCase[], day: number): DayCase | undefined {
  const found = cases.find((c) => c.day === day);
  if (found) return found;
  if (cases.length >= CASES && day < cases[0]!.day) return undefined;
  const c: DayCase = { day, max: {}, surprise: {} };
  cases.push(c);
  cases.sort((a, b) => a.day - b.day);
  while (cases.length > CASES) cases.shift();
  return c;
}

/** Learn: `signals` were raised about the person on `day` (every level counts the day's strongest per rule). */
export function learnSignals(levels: Levels, c: DayCase | undefined, signals: readonly Signal[]): void {
  for (const s of signals) {
    if (s.rule === 'pattern') continue;
    const before = c?.max[s.rule];
    if (before !== undefined && s.strength <= before) continue;
    if (c) c.max[s.rule] = s.strength;
    for (const level of [levels.person, levels.role, levels.all]) level?.move(s.rule, before, s.strength);
  }
}

/** "1 in 1,200 person-days" for a reason line. */
export function describeRarity(p: number): string {
  const n = 1 / Math.max(p, 1e-9);
  const round = n >= 1000 ? Math.round(n / 100) * 100 : n >= 100 ? Math.round(n / 10) * 10 : Math.round(n);
  return `1 in ${round.toLocaleString('en-US')} person-days here`;
}

// The daily alert budget: reviewers can act on a few alerts a day, so at most
// `perThousand` alerts per 1,000 active people per day are raised (on average;
// never more than twice that on one day); every other finding stays a finding,
// visible to reviewers, nobody paged. The highest risks of the day become the
// alerts, so a weak finding early in the day must not take the slot of a
// strong one later:
// - a finding at SURE or above (a relative's record, a self-grant, a bypass)
//   is alerted at once while the day's allowance lasts;
// - any other finding at or above the threshold learned from this
//   organisation's recent days (the score only TARGET × budget cases a day
//   reached, so more cases compete than there are slots) is held; when the day ends, the strongest held cases (one per
//   person) are alerted with what is left of the day's allowance.
// A person's day is one case: a later finding about someone already alerted
// for that day is only alerted when clearly stronger (ESCALATE). The case's day is
// the day of the access, not the day the finding is decided: a look-up judged when
// its window closes the next morning belongs to the case already alerted the day
// before, and must not take the next day's slot for the same person. The same history
// calibrates a finding's rarity: active person-days per case scoring as high.
// An ongoing case is not a new one either: a person alerted on one of the last
// REPEAT_DAYS days is not alerted again for a finding that shares a rule with
// that alert (its own rules or those the day's pattern names: a slow drip flagged
// again each day of its week) unless it is clearly stronger (ESCALATE). The
// finding stays visible to reviewers; the slot goes to a case nobody has seen.
import type { Finding } from './finding.js';

const HISTORY = 14;
/** Until this many days are known the threshold is COLD_THRESHOLD. */
const MIN_DAYS = 3;
const COLD_THRESHOLD = 80;
/** Scores from which a finding is alerted at once rather than held for the end of the day. */
const SURE = 90;
/** Never alert below this, however quiet the day. */
const FLOOR = 50;
const ESCALATE = 15;
/** Cases a day, in budgets, the learned threshold lets compete for the slots (the allowance caps what is alerted). */
const TARGET = 2;
const MAX_HELD = 1000;
/** Days an alert keeps the person's case open for findings that share one of its rules (and its own day's case for any). */
const REPEAT_DAYS = 7;

/** An alert of the last REPEAT_DAYS days: the day of its case, its rules (and those its pattern names), its score. */
type Recent = [day: number, rules: string[], score: number];

export interface BudgetJSON {
  day: number | null;
  today: [string, number][];
  history: { day: number; scores: number[]; people: number }[];
  allowance: number;
  people: number;
  held: Finding[];
  /** Per person, their alerts of the last REPEAT_DAYS days (the open cases); the rule families of held findings by id. */
  recent: [string, Recent[]][];
  families: [string, string[]][];
}

export interface BudgetDecision {
  alert: boolean;
  /** Active person-days per case scoring this high, over the recent days (undefined while cold). */
  rarity: number | undefined;
}

export class AlertBudget {
  #day = Number.NaN;
  /** Best score per person today (every case, alerted or not). */
  #today = new Map<string, number>();
  #history: { day: number; scores: number[]; people: number }[] = [];
  /** Alerts left today; what a day leaves unused carries over (at most one day's worth). */
  #allowance = 0;
  #people = 0;
  #threshold: number | undefined;
  /** Findings at or above the threshold waiting for the end of the day. */
  #held: Finding[] = [];
  /** Per person, their alerts of the last REPEAT_DAYS days (the open cases). */
  #recent = new Map<string, Recent[]>();
  /** The rule family of each held finding (its rules and those the day's pattern names), by id. */
  #families = new Map<string, string[]>();

  /**
   * `minPerDay`: a small organisation still gets this many alerts a day (5 per 1,000 of 20 people is one in ten days).
   * `caseDay`: the budget day of an access time (the detector's day, with its UTC offset).
   */
  constructor(
    readonly perThousand: number,
    readonly minPerDay = 1,
    readonly caseDay: (time: string) => number = (t) => Math.floor(Date.parse(t) / 86_400_000),
  ) {}

  get perDay(): number {
    return Math.max(this.minPerDay, (this.perThousand * this.#people) / 1000);
  }

  /** Start `day` with `people` active people; returns the held findings of the day that ended which become alerts now. */
  roll(day: number, people: number): Finding[] {
    if (this.#day === day) return [];
    const promoted = this.#promote();
    if (!Number.isNaN(this.#day) && this.#today.size > 0)
      this.#history.push({ day: this.#day, scores: [...this.#today.values()].sort((a, b) => b - a), people: this.#people });
    this.#history = this.#history.filter((h) => day - h.day <= HISTORY);
    this.#day = day;
    this.#people = people;
    this.#today.clear();
    for (const [person, list] of this.#recent) {
      const kept = list.filter(([d]) => day - d <= REPEAT_DAYS);
      if (kept.length === 0) this.#recent.delete(person);
      else this.#recent.set(person, kept);
    }
    this.#threshold = undefined;
    const perDay = this.perDay;
    // An unused slot carries over, up to one day's worth: quiet days leave room for a busy one, the average stays within budget.
    this.#allowance = Math.min(Math.max(0, this.#allowance) + perDay, Math.max(1, 2 * perDay));
    return promoted;
  }

  /** The score a case needs to become an alert today (learned when the day starts). */
  threshold(): number {
    if (this.#threshold === undefined) {
      const days = this.#history.length;
      const all = this.#history.flatMap((h) => h.scores).sort((a, b) => b - a);
      const k = Math.max(1, Math.floor(TARGET * this.perDay * days));
      this.#threshold = days < MIN_DAYS ? COLD_THRESHOLD : Math.max(FLOOR, k >= all.length ? 0 : all[k - 1]!);
    }
    return this.#threshold;
  }

  /**
   * Decide one finding; `alertable` false (backfill) records it but never pages. A held finding may still come back from roll().
   * `evidence` (0-100, the rules' own strengths) decides while the detector is cold: no rarity can be known without history.
   */
  decide(f: Finding, alertable: boolean, evidence = f.score, family: readonly string[] = f.rules ?? [f.rule]): BudgetDecision {
    const { subject, score } = f;
    this.#today.set(subject, Math.max(this.#today.get(subject) ?? 0, score));
    const rarity = this.#rarity(score);
    const judged = this.#history.length < MIN_DAYS ? Math.max(score, evidence) : score;
    if (!alertable || judged < this.threshold()) return { alert: false, rarity };
    if (this.#alerted(f, family)) return { alert: false, rarity };
    // Until the organisation has history there is nothing to rank against: alert at once.
    if ((judged >= SURE || this.#history.length < MIN_DAYS) && this.#allowance >= 1) {
      this.#spend(f, family);
      return { alert: true, rarity };
    }
    if (this.#held.length < MAX_HELD) {
      this.#held.push({ ...f, ...(rarity !== undefined ? { rarity } : {}) });
      this.#families.set(f.id, [...family]);
    }
    return { alert: false, rarity };
  }

  /**
   * Is the finding's case already alerted and this finding not clearly stronger: an alert about the person for the same
   * day (one case a person a day), or one of an earlier day that shares one of these rules (the case is still open)?
   */
  #alerted(f: Pick<Finding, 'subject' | 'time' | 'score'>, family: readonly string[]): boolean {
    const day = this.caseDay(f.time);
    return (this.#recent.get(f.subject) ?? []).some(
      ([d, rules, score]) => f.score < score + ESCALATE && (d === day || (d < day && day - d <= REPEAT_DAYS && rules.some((r) => family.includes(r)))),
    );
  }

  #spend(f: Pick<Finding, 'subject' | 'time' | 'score'>, family: readonly string[]): void {
    this.#allowance -= 1;
    const list = this.#recent.get(f.subject) ?? [];
    list.push([this.caseDay(f.time), [...family], f.score]);
    this.#recent.set(f.subject, list);
  }

  /** The strongest held cases of the day, one per person not yet alerted, within what is left of the allowance. */
  #promote(): Finding[] {
    const out: Finding[] = [];
    const held = this.#held.sort((a, b) => b.score - a.score || (b.risk ?? 0) - (a.risk ?? 0) || (a.id < b.id ? -1 : 1));
    const families = this.#families;
    this.#held = [];
    this.#families = new Map();
    for (const f of held) {
      if (this.#allowance < 1) break;
      const family = families.get(f.id) ?? f.rules ?? [f.rule];
      if (this.#alerted(f, family)) continue;
      this.#spend(f, family);
      out.push({ ...f, alert: true });
    }
    return out;
  }

  #rarity(score: number): number | undefined {
    if (this.#history.length < MIN_DAYS) return undefined;
    let above = 0;
    let personDays = 0;
    for (const h of this.#history) {
      personDays += h.people;
      for (const s of h.scores) {
        if (s < score) break;
        above++;
      }
    }
    return Math.round(personDays / Math.max(1, above));
  }

  toJSON(): BudgetJSON {
    return {
      day: Number.isNaN(this.#day) ? null : this.#day,
      today: [...this.#today],
      history: this.#history,
      allowance: this.#allowance,
      people: this.#people,
      held: this.#held,
      recent: [...this.#recent],
      families: [...this.#families],
    };
  }

  static from(j: BudgetJSON, perThousand: number, minPerDay = 1, caseDay?: (time: string) => number): AlertBudget {
    const b = new AlertBudget(perThousand, minPerDay, caseDay);
    b.#day = j.day ?? Number.NaN;
    b.#today = new Map(j.today);
    b.#history = j.history;
    b.#allowance = j.allowance;
    b.#people = j.people;
    b.#held = j.held;
    b.#recent = new Map(j.recent);
    b.#families = new Map(j.families);
    return b;
  }
}

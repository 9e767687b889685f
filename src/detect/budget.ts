// The daily alert budget: reviewers can act on a few alerts a day, so at most
// `perThousand` alerts per 1,000 active people per day are raised; every other
// finding stays a finding (visible to reviewers, never paged). The detector
// cannot see the rest of the day when a finding arrives, so the budget works
// online in two parts:
// - a threshold learned from this organisation's own recent days: the score
//   that only `perDay` person-day cases a day reached over the last HISTORY
//   days (a person's day is one case: their first finding of the day opens it,
//   a later one escalates it only when clearly stronger);
// - the threshold aims at TARGET of the budget, so the day's strongest case
//   rarely finds the budget spent by an earlier, weaker one; hard caps keep any
//   day within twice the budget and every 7 days within 7 days' budget, so the
//   average never exceeds it.
// The same history calibrates a finding's rarity: how many person-days in the
// recent past scored as high (`rarity` = person-days per such case).

const HISTORY = 14;
/** Until this many days are known the threshold is this score. */
const MIN_DAYS = 3;
const COLD_THRESHOLD = 80;
/** A later finding about a person already alerted today escalates only when this much stronger. */
const ESCALATE = 15;
/** Share of the budget the learned threshold aims at (the rest absorbs bursts). */
const TARGET = 0.8;
const WEEK = 7;

export interface BudgetJSON {
  day: number | null;
  today: [string, number][];
  alertedToday: [string, number][];
  history: { day: number; scores: number[]; people: number }[];
  allowance: number;
  people: number;
  week: number[];
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
  #alertedToday = new Map<string, number>();
  #history: { day: number; scores: number[]; people: number }[] = [];
  #allowance = 0;
  #people = 0;
  /** Alerts raised on each of the last WEEK days (today last). */
  #week: number[] = [];

  constructor(readonly perThousand: number) {}

  /** Start `day` with `people` active people (the budget's denominator). */
  roll(day: number, people: number): void {
    if (this.#day === day) return;
    if (!Number.isNaN(this.#day) && this.#today.size > 0)
      this.#history.push({ day: this.#day, scores: [...this.#today.values()].sort((a, b) => b - a), people: this.#people });
    this.#history = this.#history.filter((h) => day - h.day <= HISTORY);
    this.#day = day;
    this.#people = people;
    this.#today.clear();
    this.#alertedToday.clear();
    this.#week.push(0);
    if (this.#week.length > WEEK) this.#week.shift();
    const perDay = this.perDay;
    const weekLeft = perDay * WEEK - this.#week.reduce((a, b) => a + b, 0);
    this.#allowance = Math.min(Math.max(1, Math.ceil(2 * perDay)), Math.floor(weekLeft));
  }

  get perDay(): number {
    return (this.perThousand * this.#people) / 1000;
  }

  /** The score a case needs to become an alert today. */
  threshold(): number {
    const days = this.#history.length;
    if (days < MIN_DAYS) return COLD_THRESHOLD;
    const all = this.#history.flatMap((h) => h.scores).sort((a, b) => b - a);
    const k = Math.max(1, Math.floor(TARGET * this.perDay * days));
    return k >= all.length ? 0 : all[k - 1]! + 0.5;
  }

  /** Decide one finding about `subject` with `score`; `alertable` false (backfill, suppressed) records it but never pages. */
  decide(subject: string, score: number, alertable: boolean): BudgetDecision {
    this.#today.set(subject, Math.max(this.#today.get(subject) ?? 0, score));
    const rarity = this.#rarity(score);
    if (!alertable || this.#allowance < 1) return { alert: false, rarity };
    const before = this.#alertedToday.get(subject);
    if (before !== undefined && score < before + ESCALATE) return { alert: false, rarity };
    if (score < this.threshold()) return { alert: false, rarity };
    this.#allowance -= 1;
    this.#week[this.#week.length - 1]! += 1;
    this.#alertedToday.set(subject, score);
    return { alert: true, rarity };
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
      alertedToday: [...this.#alertedToday],
      history: this.#history,
      allowance: this.#allowance,
      people: this.#people,
      week: this.#week,
    };
  }

  static from(j: BudgetJSON, perThousand: number): AlertBudget {
    const b = new AlertBudget(perThousand);
    b.#day = j.day ?? Number.NaN;
    b.#today = new Map(j.today);
    b.#alertedToday = new Map(j.alertedToday);
    b.#history = j.history;
    b.#allowance = j.allowance;
    b.#people = j.people;
    b.#week = j.week;
    return b;
  }
}

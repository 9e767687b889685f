// Per-person risk: the sum of their findings' scores, each decaying with a
// configurable half-life (risk(t) = Σ scoreᵢ · 2^(−(t − tᵢ)/h)), shown on a
// 0-100 scale as 100·(1 − e^(−R/100)) so one strong finding reads ~60 and
// several stack towards 100. It is explained by the findings that contribute
// most at the time asked.
import type { Finding } from './finding.js';

const TOP = 5;

export interface RiskContribution {
  id: string;
  rule: string;
  score: number;
  time: string;
  reason: string;
}

export interface RiskJSON {
  value: number;
  at: number;
  top: (RiskContribution & { t: number })[];
}

export interface RiskExplanation {
  person: string;
  score: number;
  /** Top contributing findings with their current (decayed) contribution. */
  top: (RiskContribution & { contribution: number })[];
}

export class RiskBook {
  readonly #halfLifeMs: number;
  readonly #people = new Map<string, RiskJSON>();

  constructor(halfLifeHours: number) {
    this.#halfLifeMs = halfLifeHours * 3_600_000;
  }

  #decay(dt: number): number {
    return 2 ** (-Math.max(0, dt) / this.#halfLifeMs);
  }

  add(f: Finding, t: number): void {
    const r = this.#people.get(f.subject) ?? { value: 0, at: t, top: [] };
    r.value = r.value * this.#decay(t - r.at) + f.score;
    r.at = Math.max(r.at, t);
    r.top.push({ id: f.id, rule: f.rule, score: f.score, time: f.time, reason: f.reasons[0] ?? '', t });
    // Keep the TOP largest contributions as of now; older small ones can never overtake them again.
    r.top.sort((a, b) => b.score * this.#decay(t - b.t) - a.score * this.#decay(t - a.t));
    r.top.length = Math.min(r.top.length, TOP);
    this.#people.set(f.subject, r);
  }

  /** Raw decayed sum of finding scores at time t (ms). */
  raw(person: string, t: number): number {
    const r = this.#people.get(person);
    return r ? r.value * this.#decay(t - r.at) : 0;
  }

  explain(person: string, t: number): RiskExplanation {
    const r = this.#people.get(person);
    const score = Math.round(100 * (1 - Math.exp(-this.raw(person, t) / 100)));
    const top = (r?.top ?? []).map(({ t: ft, ...c }) => ({ ...c, contribution: Math.round(c.score * this.#decay(t - ft) * 10) / 10 }));
    return { person, score, top };
  }

  /** Persons ranked by current risk. */
  ranking(t: number, limit = 20): RiskExplanation[] {
    return [...this.#people.keys()]
      .map((p) => this.explain(p, t))
      .sort((a, b) => b.score - a.score || (a.person < b.person ? -1 : 1))
      .slice(0, limit);
  }

  toJSON(): [string, RiskJSON][] {
    return [...this.#people];
  }

  static from(halfLifeHours: number, j: [string, RiskJSON][]): RiskBook {
    const b = new RiskBook(halfLifeHours);
    for (const [p, r] of j) b.#people.set(p, r);
    return b;
  }
}

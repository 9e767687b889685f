// Rule: a record established elsewhere (others have accessed it) that nobody in
// the person's peer group has ever touched: the curiosity lookup of a patient
// from another ward.
//
// Three things keep it from flagging legitimate cross-team work:
// - surprise: people whose work routinely crosses teams (billing, float nurses)
//   have a high learned rate of engaged cross-team work and are not flagged;
// - engagement: the lookup stays *open* for a window; if the person goes on to
//   work with the record (writes to it, or comes back to it later rather than
//   within the same few minutes), or a teammate touches it too (a transfer: the
//   record became the team's), it is dropped. Only a glance that goes nowhere becomes a finding, raised by the
//   first entry after the window;
// - covering: a person who engaged with several foreign records that day is
//   working another team's list (covering a shift); their glances are dropped.
import type { PersonState } from '../baseline.js';
import type { AccessView } from '../entry-view.js';
import type { Signal } from '../signals.js';
import { ewma } from '../stats/welford.js';
import type { AccessContext } from './context.js';

/** Rate of engaged cross-team work above which foreign records are routine for the person. */
const ROUTINE = 0.04;
const RATE_ALPHA = 0.02;
/** Engaged foreign records in a day after which the person is taken to be covering another team. */
const COVERING = 2;
const WRITE_ACTIONS = new Set(['insert', 'update', 'delete', 'edit', 'write', 'create', 'annotate']);

export interface OpenLookup {
  key: string;
  person: string;
  group: string;
  index: number;
  time: number;
  day: number;
  deadline: number;
  count: number;
  closed: boolean;
  /** Lookups are tracked for everyone (engagement teaches the rate) but only reported when the rule applies. */
  report: boolean;
  signal: Signal;
}

export function foreignKeys(ctx: AccessContext): string[] {
  return ctx.v.keys.filter((k) => ctx.seen.has(k) && !ctx.g.records.has(k));
}

/** The open lookups, in the order they were opened, plus an index by record key. */
export class ForeignLookups {
  #fifo: OpenLookup[] = [];
  #byKey = new Map<string, OpenLookup[]>();

  /** Count an access towards open lookups of its keys; close those it engages with. */
  touch(v: AccessView, p: PersonState): void {
    if (this.#byKey.size === 0) return;
    for (const k of v.keys) {
      const list = this.#byKey.get(k);
      if (!list) continue;
      for (const o of list) {
        if (o.person === v.person) {
          o.count++;
          if (v.time - o.time < p.engageAfterMs && !WRITE_ACTIONS.has(v.action)) continue;
        } else if (o.group !== v.group) continue;
        o.closed = true;
        if (o.person === v.person) {
          // Engaged cross-team work: part of this person's normal job.
          p.foreignRate = ewma(p.foreignRate, 1, RATE_ALPHA);
          p.dayForeignEngaged++;
        }
      }
      const still = list.filter((o) => !o.closed);
      if (still.length === 0) this.#byKey.delete(k);
      else this.#byKey.set(k, still);
    }
  }

  /** Open lookups for foreign keys of this access, if the rule applies to the person. */
  open(ctx: AccessContext, foreign: readonly string[]): void {
    const { p, g, cfg, v } = ctx;
    const rule = cfg.rules.foreignRecord;
    if (v.keys.length > 0 && foreign.length === 0) p.foreignRate = ewma(p.foreignRate, 0, RATE_ALPHA);
    if (!rule.enabled || foreign.length === 0 || WRITE_ACTIONS.has(v.action)) return;
    const surprise = 1 - Math.min(1, p.foreignRate / ROUTINE);
    // One glance, one finding: several keys of one access describe the same record.
    const key = foreign[0]!;
    if (this.#byKey.get(key)?.some((o) => o.person === v.person)) return;
    const what = v.resourceType ? `a ${v.resourceType} record` : 'a record';
    const o: OpenLookup = {
      key,
      person: v.person,
      group: v.group,
      index: ctx.index,
      time: v.time,
      day: ctx.day,
      deadline: v.time + rule.windowMinutes * 60_000,
      count: 1,
      closed: false,
      report: surprise > 0 && p.warm(cfg, v.time) && g.warm(cfg),
      signal: {
        rule: 'foreign-record',
        strength: rule.strength * surprise,
        reason: `opened ${what} that other teams work with but nobody in their role \`${v.group}\` had touched, and did not go on to work with it (engaged cross-team work is ${Math.round(p.foreignRate * 1000) / 10}% of their activity)`,
      },
    };
    this.#fifo.push(o);
    this.#byKey.set(key, [...(this.#byKey.get(key) ?? []), o]);
  }

  /** Lookups whose window closed by `now` without engagement, minus those of a person covering another team that day. */
  expire(now: number, personOf: (name: string) => PersonState | undefined): OpenLookup[] {
    const out: OpenLookup[] = [];
    let n = 0;
    while (n < this.#fifo.length && this.#fifo[n]!.deadline <= now) {
      const o = this.#fifo[n++]!;
      if (o.closed) continue;
      o.closed = true;
      const list = this.#byKey.get(o.key)?.filter((x) => x !== o) ?? [];
      if (list.length === 0) this.#byKey.delete(o.key);
      else this.#byKey.set(o.key, list);
      const p = personOf(o.person);
      if (!o.report || (p && p.day === o.day && p.dayForeignEngaged >= COVERING)) continue;
      out.push(o);
    }
    if (n > 0) this.#fifo.splice(0, n);
    return out;
  }

  toJSON(): OpenLookup[] {
    return this.#fifo.filter((o) => !o.closed);
  }

  static from(list: OpenLookup[]): ForeignLookups {
    const f = new ForeignLookups();
    for (const o of list) {
      f.#fifo.push(o);
      f.#byKey.set(o.key, [...(f.#byKey.get(o.key) ?? []), o]);
    }
    return f;
  }
}

// Look-ups held open for a window before they are judged, because what makes a
// look-up suspicious is what does *not* follow it. A real encounter touches a
// record several times, writes to it, or involves the rest of the team; a
// curious glance goes nowhere. While a look-up is open:
// - the person working with the record (a write, or a return to it later rather
//   than within the same few minutes) engages it;
// - someone of the person's team touching it makes it the team's record.
// At the deadline a look-up becomes a finding (dated at the glance, citing its
// entry), unless it was dropped: `onEngage` says whether engagement drops it
// (foreign-record) or only weakens it (watch list: a ticket worked on is still
// worth a look, lower in the queue).
import type { PersonState } from '../baseline.js';
import type { AccessView } from '../entry-view.js';
import type { Signal } from '../signals.js';
import type { Trace } from './context.js';

/** Teams remembered per person-day as covered. */
const MAX_COVERED = 16;

export const WRITE_ACTIONS = new Set(['insert', 'update', 'delete', 'edit', 'write', 'create', 'annotate']);

export interface OpenLookup {
  key: string;
  person: string;
  /** The person's role (peer group) and team. */
  group: string;
  team: string;
  index: number;
  time: number;
  day: number;
  deadline: number;
  /** Accesses by the person to the record while open (the glance itself included). */
  count: number;
  closed: boolean;
  engaged: boolean;
  /** Dropped when engaged (undefined), else the strength is multiplied by this. */
  onEngage?: number;
  /** Team members touching the record drop the look-up (foreign records; not the watch list). */
  teamDrops: boolean;
  /** The other teams that had touched the record lately when it was opened (foreign records). */
  teams?: string[];
  /** Lookups are tracked for everyone (engagement teaches the rate) but only reported when the rule applies. */
  report: boolean;
  signal: Signal;
}

/** The open lookups, in deadline order, plus an index by record key. */
export class OpenLookups {
  #fifo: OpenLookup[] = [];
  #byKey = new Map<string, OpenLookup[]>();

  /** Is a look-up of `key` by `person` for `rule` already open? */
  has(key: string, person: string, rule: string): boolean {
    return this.#byKey.get(key)?.some((o) => o.person === person && o.signal.rule === rule) ?? false;
  }

  /** Kept in deadline order: entries can arrive out of time order (app-reported times, imports), and expire() reads a prefix. */
  add(o: OpenLookup): void {
    let at = this.#fifo.length;
    while (at > 0 && this.#fifo[at - 1]!.deadline > o.deadline) at--;
    this.#fifo.splice(at, 0, o);
    this.#byKey.set(o.key, [...(this.#byKey.get(o.key) ?? []), o]);
  }

  /** Is a look-up's window closed by `now` (the common answer, no: expire() would find nothing)? */
  due(now: number): boolean {
    return this.#fifo.length > 0 && this.#fifo[0]!.deadline <= now;
  }

  /** Count an access towards open lookups of its keys; engage or drop those it concerns. */
  touch(v: AccessView, team: string, p: PersonState, trace?: Trace): void {
    if (this.#byKey.size === 0) return;
    for (const k of v.keys) {
      const list = this.#byKey.get(k);
      if (!list) continue;
      for (const o of list) {
        if (o.person === v.person) {
          o.count++;
          if (o.engaged || (v.time - o.time < p.engageAfterMs && !WRITE_ACTIONS.has(v.action))) continue;
          o.engaged = true;
          // Engaged cross-team work: part of this person's normal job (learned per day, volume.ts).
          if (o.signal.rule === 'foreign-record') {
            p.dayForeignEngaged++;
            for (const t of o.teams ?? []) if (!p.dayCoveredTeams.includes(t) && p.dayCoveredTeams.length < MAX_COVERED) p.dayCoveredTeams.push(t);
          }
          if (o.onEngage === undefined) {
            o.closed = true;
            trace?.(o.index, 'engaged', `they went on to work with it (${WRITE_ACTIONS.has(v.action) ? 'a write' : 'a return'})`);
          }
        } else if (o.teamDrops && o.team === team) {
          o.closed = true;
          trace?.(o.index, 'team', `${v.person} of their team \`${team}\` touched it within the window`);
        }
      }
      const still = list.filter((o) => !o.closed);
      if (still.length === 0) this.#byKey.delete(k);
      else this.#byKey.set(k, still);
    }
  }

  /** Lookups whose window closed by `now`, with their final signal; `keep` filters (e.g. covering another team). */
  expire(now: number, keep: (o: OpenLookup) => boolean): OpenLookup[] {
    const out: OpenLookup[] = [];
    let n = 0;
    while (n < this.#fifo.length && this.#fifo[n]!.deadline <= now) {
      const o = this.#fifo[n++]!;
      if (o.closed) continue;
      o.closed = true;
      const list = this.#byKey.get(o.key)?.filter((x) => x !== o) ?? [];
      if (list.length === 0) this.#byKey.delete(o.key);
      else this.#byKey.set(o.key, list);
      if (!o.report || !keep(o)) continue;
      if (o.engaged && o.onEngage !== undefined)
        o.signal = { ...o.signal, strength: o.signal.strength * o.onEngage, reason: `${o.signal.reason}, then worked with it` };
      out.push(o);
    }
    if (n > 0) this.#fifo.splice(0, n);
    return out;
  }

  toJSON(): OpenLookup[] {
    return this.#fifo.filter((o) => !o.closed);
  }

  static from(list: OpenLookup[]): OpenLookups {
    const f = new OpenLookups();
    for (const o of list) f.add(o);
    return f;
  }
}

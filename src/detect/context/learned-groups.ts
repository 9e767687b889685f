// Groups learned from the log: people who work on the same subjects (the
// "collaborative groups" of explanation-based auditing, Fabbri & LeFevre 2011).
// Each subject remembers its last few accessors and the day; a person opening a
// subject that a recent accessor also opened counts one shared subject with them
// (both ways). An access is explained by the group when someone who recently
// worked on the subject is one of the person's regular collaborators (at least
// MIN_SHARED shared subjects before). This needs no team names: personal panels,
// account managers and their back office, a consultant and the ward they serve
// all form groups by what they do. A curious look-up shares the subject with
// strangers; a slow drip over random subjects shares about one subject with each.
import { NameCounts } from '../stats/name-counts.js';
import { FifoMap } from '../../ledger/fifo-map.js';

const ACCESSORS = 8;
const COLLABORATORS = 48;
/** Shared subjects with someone before they count as a collaborator. */
const MIN_SHARED = 3;

/** Person, day, collaborator counts (or undefined until first needed): W slots per accessor. */
type Accessors = (string | number | NameCounts | undefined)[];
const W = 3;

export interface LearnedGroupsJSON {
  recent: [string, [string, number][]][];
  collab: [string, [string, number][]][];
}

export class LearnedGroups {
  /**
   * Subject → its latest accessors, oldest first, flat: person, day, their collaborator counts once
   * looked up (#collab never drops anyone), person, day, counts, … (W slots each). One array per
   * subject rather than an object per accessor: learn() scans the list on every access, and objects
   * scattered over the heap cost a cache miss each.
   */
  #recent = new FifoMap<string, Accessors>();
  #collab = new Map<string, NameCounts>();

  constructor(readonly keepDays: number, readonly maxSubjects: number) {}

  /** A regular collaborator of `person` who worked on `subject` in the last keepDays (judged before `learn`). */
  explainer(person: string, subject: string, day: number): string | undefined {
    const acc = this.#recent.get(subject);
    const mine = this.#collab.get(person);
    if (!acc || !mine) return undefined;
    for (let i = acc.length - W; i >= 0; i -= W) {
      const q = acc[i] as string;
      if (q !== person && day - (acc[i + 1] as number) <= this.keepDays && (mine.counts.get(q) ?? 0) >= MIN_SHARED && !this.#hub(q)) return q;
    }
    return undefined;
  }

  /** Did the person themself work on the subject on an earlier day within keepDays (a returning case)? */
  knows(person: string, subject: string, day: number): boolean {
    const acc = this.#recent.get(subject);
    if (!acc) return false;
    for (let i = 0; i < acc.length; i += W) {
      const d = acc[i + 1] as number;
      if (acc[i] === person && d < day && day - d <= this.keepDays) return true;
    }
    return false;
  }

  learn(person: string, subject: string, day: number): void {
    let acc = this.#recent.get(subject);
    if (!acc) {
      if (this.#recent.size >= this.maxSubjects) this.#recent.deleteOldest();
      this.#recent.set(subject, (acc = []));
    }
    let at = -1;
    for (let i = 0; i < acc.length; i += W)
      if (acc[i] === person) {
        at = i;
        break;
      }
    if (at >= 0 && acc[at + 1] === day) return; // already counted today
    let mine: NameCounts | undefined; // looked up at the first collaborator (not before: it would create an empty list)
    for (let i = 0; i < acc.length; i += W) {
      const q = acc[i] as string;
      if (q === person || day - (acc[i + 1] as number) > this.keepDays) continue;
      (mine ??= this.#counts(person)).add(q);
      ((acc[i + 2] as NameCounts | undefined) ?? (acc[i + 2] = this.#counts(q))).add(person);
    }
    if (at >= 0) {
      const known = acc.splice(at, W)[2] as NameCounts | undefined;
      mine ??= known;
    }
    acc.push(person, day, mine);
    if (acc.length > W * ACCESSORS) acc.splice(0, W);
  }

  /**
   * Someone who shares subjects with more people than a collaborator list holds (a float
   * nurse, a hospital-wide consultant) is everyone's collaborator: their work explains nobody's.
   */
  #hub(person: string): boolean {
    return (this.#collab.get(person)?.size ?? 0) >= COLLABORATORS;
  }

  #counts(person: string): NameCounts {
    let c = this.#collab.get(person);
    if (!c) this.#collab.set(person, (c = new NameCounts(COLLABORATORS)));
    return c;
  }

  toJSON(): LearnedGroupsJSON {
    const recent: [string, [string, number][]][] = [];
    for (const [s, acc] of this.#recent) {
      const pairs: [string, number][] = [];
      for (let i = 0; i < acc.length; i += W) pairs.push([acc[i] as string, acc[i + 1] as number]);
      recent.push([s, pairs]);
    }
    return { recent, collab: [...this.#collab].map(([p, c]) => [p, c.toJSON()]) };
  }

  static from(j: LearnedGroupsJSON, keepDays: number, maxSubjects: number): LearnedGroups {
    const g = new LearnedGroups(keepDays, maxSubjects);
    g.#recent = new FifoMap(j.recent.map(([s, pairs]) => [s, pairs.flatMap(([person, day]) => [person, day, undefined])]));
    g.#collab = new Map(j.collab.map(([p, c]) => [p, new NameCounts(COLLABORATORS, c)]));
    return g;
  }
}

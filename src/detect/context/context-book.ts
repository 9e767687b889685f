// What the organisation already knows, replayed from `context.update` entries
// (src/capture/app/context-request.ts writes them): the directory, time-bounded
// relationships between people (or teams) and data subjects, which resources
// belong to which subject, and which subjects are employees or their relatives.
// Entries are read defensively (the detector never throws on an entry) and every
// map is bounded, so a flood of context cannot grow the detector without limit.
//
// A relationship explains an access only as far as it is specific. A nurse's
// admission of one patient says a lot about why she opened that chart; a picking
// wave's relationship with half of today's orders, or the reception team's
// appointment with every patient of the day, would explain almost any look-up
// by a member of that team. So the book measures, per team, its coverage: the
// share of the subjects other people open (everyone outside the team, every
// access with a subject) that the team's relationships cover at that moment —
// the chance that a look-up at a random subject someone works on is "explained"
// by the team's relationship anyway. A team relationship whose coverage is above
// `context.maxTeamCoverage` explains nothing; it is named among the explanations tried.
import { parseTime } from '../iso-time.js';
import { NameCounts } from '../stats/name-counts.js';
import { FifoMap } from '../../ledger/fifo-map.js';

const DAY = 86_400_000;
/** Relationships kept per subject (the most recent win). */
const PER_SUBJECT = 32;

export interface DirectoryEntry {
  role?: string;
  team?: string;
  department?: string;
  manager?: string;
}

export interface Relationship {
  person?: string;
  team?: string;
  kind: string;
  from: number;
  to: number;
}

export interface SensitiveSubject {
  employee?: string;
  relation: 'self' | 'relative' | 'vip';
  label?: string;
}

export interface ContextBookJSON {
  people: [string, DirectoryEntry][];
  relationships: [string, Relationship[]][];
  resources: [string, string][];
  subjects: [string, SensitiveSubject][];
  kinds: [string, number][];
  /** Accesses with a subject, and per team: [accesses by others to subjects it covered, accesses by its members]. */
  coverage: { total: number; teams: [string, number, number][] };
}

export interface ContextLimits {
  /** Subjects with relationships, resources mapped, people in the directory (each). */
  context: number;
  /** A relationship still explains an access this many days after it ended (billing, follow-up). */
  afterDays: number;
  /** A team relationship explains an access only while its team covers at most this share of what others open. */
  maxCoverage: number;
}

/** Coverage counts are halved past this many accesses (recent behaviour weighs more, bounded numbers). */
const COVERAGE_CAP = 200_000;
/** Accesses by others a team's coverage needs before it is judged (until then its relationships explain, as before). */
const COVERAGE_MIN = 1000;
/** Teams whose coverage is counted (the directory's teams and relationships' teams: bounded like the kinds). */
const MAX_TEAMS = 4096;

const str = (v: unknown, max = 256): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];
const time = (v: unknown, fallback: number): number => {
  const t = typeof v === 'string' ? parseTime(v) : NaN;
  return Number.isFinite(t) ? t : fallback;
};

/** Insert into a Map used as a bounded FIFO: the oldest key goes when full. */
function boundedSet<K, V>(m: FifoMap<K, V>, k: K, v: V, cap: number): void {
  if (!m.has(k) && m.size >= cap) m.deleteOldest();
  m.set(k, v);
}

export class ContextBook {
  people = new FifoMap<string, DirectoryEntry>();
  relationships = new FifoMap<string, Relationship[]>();
  resources = new FifoMap<string, string>();
  subjects = new FifoMap<string, SensitiveSubject>();
  /** Relationship kinds seen, so a reason can name what was tried. */
  kinds = new NameCounts(32);
  /** Coverage (see the head of this file): accesses with a subject, and per team [covered by others, own]. */
  #total = 0;
  #teams = new FifoMap<string, [number, number]>();
  /** The last team relationship refused for its coverage, for the reason a reviewer reads. */
  #broad: string | undefined;

  constructor(readonly limits: ContextLimits) {}

  get empty(): boolean {
    return this.people.size === 0 && this.relationships.size === 0 && this.subjects.size === 0;
  }

  apply(raw: Record<string, unknown>): void {
    const cap = this.limits.context;
    for (const p of list(raw.people)) {
      const person = str(p.person);
      if (!person) continue;
      boundedSet(this.people, person, { role: str(p.role), team: str(p.team), department: str(p.department), manager: str(p.manager) }, cap);
    }
    for (const r of list(raw.relationships)) {
      const subject = str(r.subject);
      const kind = str(r.kind, 48);
      const person = str(r.person);
      const team = str(r.team);
      if (!subject || !kind || (person === undefined) === (team === undefined)) continue;
      const rel: Relationship = { kind, from: time(r.from, -Infinity), to: time(r.to, Infinity), ...(person ? { person } : { team: team! }) };
      const rels = this.relationships.get(subject) ?? [];
      rels.push(rel);
      if (rels.length > PER_SUBJECT) rels.shift();
      boundedSet(this.relationships, subject, rels, cap);
      this.kinds.add(kind);
    }
    for (const r of list(raw.resources)) {
      const resource = str(r.resource);
      const subject = str(r.subject);
      if (resource && subject) boundedSet(this.resources, resource, subject, cap * 4);
    }
    for (const s of list(raw.subjects)) {
      const subject = str(s.subject);
      const relation = s.relation === 'self' || s.relation === 'relative' || s.relation === 'vip' ? s.relation : undefined;
      if (!subject || !relation) continue;
      boundedSet(this.subjects, subject, { relation, employee: str(s.employee), label: str(s.label, 128) }, cap);
    }
  }

  /** The subject a record key belongs to (a chart, a lab result and an invoice can all be patient 4242's). */
  subjectOf(key: string): string {
    return this.resources.get(key) ?? key;
  }

  /** The person's team from the directory (team, else department), if the directory names one. */
  teamOf(person: string): string | undefined {
    const d = this.people.get(person);
    return d?.team ?? d?.department;
  }

  /** A relationship of the person, or of their team, with the subject at time t; the reason it explains the access. */
  explain(person: string, team: string, subject: string, t: number): string | undefined {
    this.#broad = undefined;
    const rels = this.relationships.get(subject);
    if (!rels) return undefined;
    const after = this.limits.afterDays * DAY;
    for (let i = rels.length - 1; i >= 0; i--) {
      const r = rels[i]!;
      if (t < r.from - DAY || t > r.to + after) continue;
      if (r.person === person) return `their ${r.kind} relationship with the subject`;
      if (r.team !== undefined && r.team === team) {
        const c = this.coverage(team);
        if (c === undefined || c <= this.limits.maxCoverage) return `their team's ${r.kind} relationship with the subject`;
        this.#broad = `their team's ${r.kind} relationship covers ${Math.round(100 * c)}% of the subjects others open, so it explains nothing`;
      }
    }
    return undefined;
  }

  /**
   * Does any relationship of the person, or of their team, take in the subject at time t (in force, give or take a
   * day: not the follow-up days after it ended that `explain` allows), however broad?
   * A broad one explains nothing, but its absence still says something: the subject lies outside everything
   * the organisation assigned to them (detector.ts learns how often their work does).
   */
  covers(person: string, team: string, subject: string, t: number): boolean {
    const rels = this.relationships.get(subject);
    if (!rels) return false;
    for (const r of rels) if ((r.person === person || (r.team !== undefined && r.team === team)) && t >= r.from - DAY && t <= r.to + DAY) return true;
    return false;
  }

  /**
   * Count one access to `subject` by a member of `team` at time t towards the teams' coverage: the team's own
   * accesses, and for every other team whose relationship covers the subject then, one covered access.
   */
  observe(team: string, subject: string, t: number): void {
    if (++this.#total > COVERAGE_CAP) {
      this.#total /= 2;
      for (const c of this.#teams.values()) (c[0] /= 2), (c[1] /= 2);
    }
    this.#count(team)[1]++;
    const rels = this.relationships.get(subject);
    if (!rels) return;
    const after = this.limits.afterDays * DAY;
    let counted: string | undefined;
    for (let i = rels.length - 1; i >= 0; i--) {
      const r = rels[i]!;
      if (r.team === undefined || r.team === team || r.team === counted || t < r.from - DAY || t > r.to + after) continue;
      this.#count(r.team)[0]++;
      counted = r.team; // a team's consecutive relationships with one subject count once (not exact for interleaved teams: a bound)
    }
  }

  /** Share of the accesses by people outside `team` that its relationships covered; undefined until COVERAGE_MIN such accesses. */
  coverage(team: string): number | undefined {
    const c = this.#teams.get(team);
    const others = this.#total - (c?.[1] ?? 0);
    return others < COVERAGE_MIN ? undefined : Math.min(1, (c?.[0] ?? 0) / others);
  }

  #count(team: string): [number, number] {
    let c = this.#teams.get(team);
    if (!c) {
      if (this.#teams.size >= MAX_TEAMS) this.#teams.deleteOldest();
      this.#teams.set(team, (c = [0, 0]));
    }
    return c;
  }

  /** What was tried when nothing explained an access (for reasons a reviewer reads). */
  tried(): string {
    const kinds = [...this.kinds.counts.keys()].slice(0, 6);
    const base = kinds.length > 0 ? `no ${kinds.join(', ')} relationship` : 'no relationship feed';
    return this.#broad ? `${base} that is specific (${this.#broad})` : base;
  }

  toJSON(): ContextBookJSON {
    return {
      people: [...this.people],
      relationships: [...this.relationships].map(([s, rs]) => [s, rs.map((r) => ({ ...r, from: ser(r.from), to: ser(r.to) }) as unknown as Relationship)]),
      resources: [...this.resources],
      subjects: [...this.subjects],
      kinds: this.kinds.toJSON(),
      coverage: { total: this.#total, teams: [...this.#teams].map(([t, [c, o]]) => [t, c, o]) },
    };
  }

  static from(j: ContextBookJSON, limits: ContextLimits): ContextBook {
    const b = new ContextBook(limits);
    b.people = new FifoMap(j.people);
    b.relationships = new FifoMap(j.relationships.map(([s, rs]) => [s, rs.map((r) => ({ ...r, from: de(r.from, -Infinity), to: de(r.to, Infinity) }))]));
    b.resources = new FifoMap(j.resources);
    b.subjects = new FifoMap(j.subjects);
    b.kinds = new NameCounts(32, j.kinds);
    b.#total = j.coverage.total;
    b.#teams = new FifoMap(j.coverage.teams.map(([t, c, o]) => [t, [c, o]]));
    return b;
  }
}

// JSON has no infinities: open-ended relationships are stored as null.
const ser = (t: number): number | null => (Number.isFinite(t) ? t : null);
const de = (t: unknown, fallback: number): number => (typeof t === 'number' ? t : fallback);

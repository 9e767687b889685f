// Per-person and per-peer-group baselines, learned from the log itself and
// updated one entry at a time. Everything here is plain data with a JSON form,
// so the detector's whole state can be snapshotted and restored, and is exactly
// what replaying the same entries from index 0 would rebuild.
import { CAP, TailCounts, type DayCase, type TailJSON } from './calibration.js';
import type { DetectorConfig } from './config.js';
import { HourHistogram } from './stats/hour-histogram.js';
import { NameCounts } from './stats/name-counts.js';
import { Welford, type WelfordState } from './stats/welford.js';
import { FifoMap } from '../ledger/fifo-map.js';

/** Welford counts stop growing here: baselines then follow roughly the last WINDOW samples. */
const WINDOW = 500;
const DAY_WINDOW = 60;
const MAX_ADDRESSES = 12;
const SHARED_TERMINAL = 3;
const MAX_TERMINALS = 4096;

export interface AddressUse {
  first: number;
  last: number;
  lastIndex: number;
  /** Days on which this address was used (a familiar workstation vs one never used before). */
  days: number;
  lastDay: number;
  /** Accesses from this address on lastDay. */
  dayUses?: number;
}

export interface Cooldown {
  time: number;
  strength: number;
}

export class PersonState {
  events = 0;
  firstTime = 0;
  activeDays = 0;
  day = Number.NaN;
  hours = new HourHistogram();
  /** log1p(rows) of single reads, per source (an app's one-record views and SQL reports differ in kind). */
  readRows = new Map<string, Welford>();
  /** log1p(distinct records) per active day. */
  daily = new Welford(DAY_WINDOW);
  /** One-sided CUSUM of daily distinct records in sd units (Page 1954): sustained small excess. */
  cusum = 0;
  dayKeys = new Set<string>();
  dayKeyOverflow = 0;
  /** Indexes of today's latest accesses that touched a record new for the day: the evidence of a volume finding. */
  dayNewIndexes: number[] = [];
  /** Highest multiple of the daily norm already reported today (1 = none). */
  dayLevel = 1;
  dayDrip = false;
  names: NameCounts;
  /** EWMA over active days of "engaged with another team's record that day" (cross-team habit). */
  foreignRate = 0.02;
  /**
   * EWMA over their accesses with a subject, while relationship feeds exist: did a relationship of theirs or
   * their team's take the subject in, however broad (context-book.ts `covers`)? And how many such accesses.
   */
  withinRate = 0;
  withinCount = 0;
  addresses = new FifoMap<string, AddressUse>();
  /** Time of the latest address use (to skip reordering the LRU map in the common case). */
  lastAddressTime = Number.NEGATIVE_INFINITY;
  overlapDays: number[] = [];
  /** Today's accesses that interleaved with another address where one of the two is not a usual workstation. */
  dayInterleaves = 0;
  cooldown = new Map<string, Cooldown>();
  /** Foreign records this person engaged with today (covering another team). */
  dayForeignEngaged = 0;
  /** The teams whose records those were (the teams the person is covering today). */
  dayCoveredTeams: string[] = [];
  /** Tables and catalogs touched today, and log1p(their count) per active day: the account's map of the system. */
  dayRelations = new Set<string>();
  dailyRelations = new Welford(DAY_WINDOW);
  /** How many of today's tables and catalogs they had never touched before, and log1p(that count) per active day. */
  dayNewRelations = 0;
  dailyNewRelations = new Welford(DAY_WINDOW);
  /** Highest multiple of the usual table count already reported today (1 = none). */
  reconLevel = 1;
  /** A return to a foreign record this long after the first look counts as working with it (from config). */
  engageAfterMs: number;
  /** Their person-days by the strongest signal per rule (calibration.ts), and their latest day cases. */
  tails = new TailCounts(CAP.person);
  cases: DayCase[] = [];

  constructor(cfg: DetectorConfig) {
    this.names = new NameCounts(cfg.limits.names);
    this.engageAfterMs = cfg.rules.foreignRecord.engageAfterMinutes * 60_000;
  }

  get dayDistinct(): number {
    return this.dayKeys.size + this.dayKeyOverflow;
  }

  warm(cfg: DetectorConfig, time: number): boolean {
    return this.events >= cfg.warmup.events && this.activeDays >= cfg.warmup.days && time > this.firstTime;
  }

  toJSON(): PersonJSON {
    return {
      events: this.events,
      firstTime: this.firstTime,
      activeDays: this.activeDays,
      day: Number.isNaN(this.day) ? null : this.day,
      hours: this.hours.counts,
      readRows: [...this.readRows].map(([k, w]) => [k, w.toJSON()]),
      daily: this.daily.toJSON(),
      cusum: this.cusum,
      dayKeys: [...this.dayKeys],
      dayKeyOverflow: this.dayKeyOverflow,
      dayNewIndexes: this.dayNewIndexes,
      dayLevel: this.dayLevel,
      dayDrip: this.dayDrip,
      names: this.names.toJSON(),
      foreignRate: this.foreignRate,
      withinRate: this.withinRate,
      withinCount: this.withinCount,
      addresses: [...this.addresses],
      lastAddressTime: Number.isFinite(this.lastAddressTime) ? this.lastAddressTime : null,
      overlapDays: this.overlapDays,
      dayInterleaves: this.dayInterleaves,
      cooldown: [...this.cooldown],
      dayForeignEngaged: this.dayForeignEngaged,
      dayCoveredTeams: this.dayCoveredTeams,
      dayRelations: [...this.dayRelations],
      dailyRelations: this.dailyRelations.toJSON(),
      dayNewRelations: this.dayNewRelations,
      dailyNewRelations: this.dailyNewRelations.toJSON(),
      reconLevel: this.reconLevel,
      tails: this.tails.toJSON(),
      cases: this.cases,
    };
  }

  static from(j: PersonJSON, cfg: DetectorConfig): PersonState {
    const p = new PersonState(cfg);
    p.events = j.events;
    p.firstTime = j.firstTime;
    p.activeDays = j.activeDays;
    p.day = j.day ?? Number.NaN;
    p.hours = new HourHistogram(undefined, j.hours);
    p.readRows = new Map(j.readRows.map(([k, w]) => [k, Welford.from(w, WINDOW)]));
    p.daily = Welford.from(j.daily, DAY_WINDOW);
    p.cusum = j.cusum;
    p.dayKeys = new Set(j.dayKeys);
    p.dayKeyOverflow = j.dayKeyOverflow;
    p.dayNewIndexes = j.dayNewIndexes;
    p.dayLevel = j.dayLevel;
    p.dayDrip = j.dayDrip;
    p.names = new NameCounts(cfg.limits.names, j.names);
    p.foreignRate = j.foreignRate;
    p.withinRate = j.withinRate;
    p.withinCount = j.withinCount;
    p.addresses = new FifoMap(j.addresses);
    p.lastAddressTime = j.lastAddressTime ?? Number.NEGATIVE_INFINITY;
    p.overlapDays = j.overlapDays;
    p.dayInterleaves = j.dayInterleaves;
    p.cooldown = new Map(j.cooldown);
    p.dayForeignEngaged = j.dayForeignEngaged;
    p.dayCoveredTeams = j.dayCoveredTeams;
    p.dayRelations = new Set(j.dayRelations);
    p.dailyRelations = Welford.from(j.dailyRelations, DAY_WINDOW);
    p.dayNewRelations = j.dayNewRelations;
    p.dailyNewRelations = Welford.from(j.dailyNewRelations, DAY_WINDOW);
    p.reconLevel = j.reconLevel;
    p.tails = TailCounts.from(j.tails, CAP.person);
    p.cases = j.cases;
    return p;
  }
}

export interface PersonJSON {
  events: number;
  firstTime: number;
  activeDays: number;
  day: number | null;
  hours: number[];
  readRows: [string, WelfordState][];
  daily: WelfordState;
  cusum: number;
  dayKeys: string[];
  dayKeyOverflow: number;
  dayNewIndexes: number[];
  dayLevel: number;
  dayDrip: boolean;
  names: [string, number][];
  foreignRate: number;
  withinRate: number;
  withinCount: number;
  addresses: [string, AddressUse][];
  lastAddressTime: number | null;
  overlapDays: number[];
  dayInterleaves: number;
  cooldown: [string, Cooldown][];
  dayForeignEngaged: number;
  dayCoveredTeams: string[];
  dayRelations: string[];
  dailyRelations: WelfordState;
  dayNewRelations: number;
  dailyNewRelations: WelfordState;
  reconLevel: number;
  tails: TailJSON;
  cases: DayCase[];
}

export class GroupState {
  events = 0;
  firstTime = 0;
  dayCount = 0;
  lastDay = Number.NaN;
  names: NameCounts;
  readRows = new Map<string, Welford>();
  /** Recent off-hours activity of the role's members [person, time] (incidents are worked together). */
  offHours: [string, number][] = [];
  /** Active person-days of the role's members, and signals raised per rule (rules/calibrate.ts). */
  personDays = 0;
  ruleCounts: Record<string, number> = {};
  /** Client address → up to SHARED_TERMINAL persons of this role seen using it (ward terminals are shared). */
  terminals = new FifoMap<string, string[]>();
  /** The role's person-days by the strongest signal per rule (calibration.ts). */
  tails = new TailCounts(CAP.role);
  /**
   * log1p(distinct records) per person-day of its members, and their cross-team habit (EWMA over
   * person-days): the norm a member still warming up is judged by (the level above the person).
   */
  daily = new Welford(DAY_WINDOW * 20);
  foreignRate = 0.02;

  constructor(cfg: DetectorConfig) {
    this.names = new NameCounts(cfg.limits.names * 4);
  }

  /** Several people of this role use this address: a shared terminal, not one person's desk. */
  sharedTerminal(address: string): boolean {
    return (this.terminals.get(address)?.length ?? 0) >= SHARED_TERMINAL;
  }

  useTerminal(address: string, person: string): void {
    const users = this.terminals.get(address);
    if (users) {
      if (users.length < SHARED_TERMINAL && !users.includes(person)) users.push(person);
    } else {
      if (this.terminals.size >= MAX_TERMINALS) this.terminals.deleteOldest();
      this.terminals.set(address, [person]);
    }
  }

  /** A group is warm once it has history of its own; a brand-new role has no norm to break. */
  warm(cfg: DetectorConfig): boolean {
    return this.events >= cfg.warmup.events * 3 && this.dayCount >= cfg.warmup.days;
  }

  toJSON(): GroupJSON {
    return {
      events: this.events,
      firstTime: this.firstTime,
      dayCount: this.dayCount,
      lastDay: Number.isNaN(this.lastDay) ? null : this.lastDay,
      names: this.names.toJSON(),
      readRows: [...this.readRows].map(([k, w]) => [k, w.toJSON()]),
      offHours: this.offHours,
      personDays: this.personDays,
      ruleCounts: this.ruleCounts,
      terminals: [...this.terminals],
      tails: this.tails.toJSON(),
      daily: this.daily.toJSON(),
      foreignRate: this.foreignRate,
    };
  }

  static from(j: GroupJSON, cfg: DetectorConfig): GroupState {
    const g = new GroupState(cfg);
    g.offHours = j.offHours;
    g.personDays = j.personDays;
    g.ruleCounts = j.ruleCounts;
    g.events = j.events;
    g.firstTime = j.firstTime;
    g.dayCount = j.dayCount;
    g.terminals = new FifoMap(j.terminals);
    g.lastDay = j.lastDay ?? Number.NaN;
    g.names = new NameCounts(cfg.limits.names * 4, j.names);
    g.readRows = new Map(j.readRows.map(([k, w]) => [k, Welford.from(w, WINDOW * 4)]));
    g.tails = TailCounts.from(j.tails, CAP.role);
    g.daily = Welford.from(j.daily, DAY_WINDOW * 20);
    g.foreignRate = j.foreignRate;
    return g;
  }
}

export interface GroupJSON {
  events: number;
  firstTime: number;
  dayCount: number;
  lastDay: number | null;
  names: [string, number][];
  readRows: [string, WelfordState][];
  offHours: [string, number][];
  personDays: number;
  ruleCounts: Record<string, number>;
  terminals: [string, string[]][];
  tails: TailJSON;
  daily: WelfordState;
  foreignRate: number;
}

/**
 * The level a person is judged by when their own history does not suffice (they are still warming up, or a
 * rule asks what their peers do): their role once it has history of its own, else everyone (the detector's
 * population level, a GroupState over every person), else nothing yet. A low-volume role (analysts who read a
 * few records a week) may never warm up; its members are then judged by the organisation, not left silent.
 */
export function levelAbove(g: GroupState, all: GroupState, cfg: DetectorConfig): { level: GroupState; who: string } | undefined {
  if (g.warm(cfg)) return { level: g, who: 'their role' };
  if (all.warm(cfg)) return { level: all, who: 'the organisation' };
  return undefined;
}

export function rememberAddress(p: PersonState, address: string, time: number, index: number, day: number): void {
  const u = p.addresses.get(address);
  if (u) {
    const mostRecent = u.last >= p.lastAddressTime;
    u.last = time;
    u.lastIndex = index;
    if (u.lastDay !== day) {
      u.days++;
      u.lastDay = day;
      u.dayUses = 0;
    }
    u.dayUses = (u.dayUses ?? 0) + 1;
    // Re-insert so Map order is least-recently-used first (already last: nothing to move).
    if (!mostRecent) {
      p.addresses.delete(address);
      p.addresses.set(address, u);
    }
  } else {
    p.addresses.set(address, { first: time, last: time, lastIndex: index, days: 1, lastDay: day, dayUses: 1 });
    if (p.addresses.size > MAX_ADDRESSES) p.addresses.deleteOldest();
  }
  p.lastAddressTime = Math.max(p.lastAddressTime, time);
}

/** The Welford for rows read under `key` (a source, or a source and what it read), created on first use. */
export function rowsOf(owner: PersonState | GroupState, key: string): Welford;
/** The same, not created once the owner keeps `cap` of them (undefined then). */
export function rowsOf(owner: PersonState | GroupState, key: string, cap: number): Welford | undefined;
export function rowsOf(owner: PersonState | GroupState, key: string, cap = Infinity): Welford | undefined {
  let w = owner.readRows.get(key);
  if (!w) {
    if (owner.readRows.size >= cap) return undefined;
    w = new Welford(owner instanceof PersonState ? WINDOW : WINDOW * 4);
    owner.readRows.set(key, w);
  }
  return w;
}

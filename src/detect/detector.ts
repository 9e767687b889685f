// The misuse detector: a pure, incremental engine over log entries in index
// order. `observe(index, entry)` judges the entry against baselines learned from
// every earlier entry, then learns from it, and returns the Findings it raised.
// All state is derived from the entries seen, so replaying from entry 0 rebuilds
// it exactly; `snapshot()`/`Detector.restore()` skip that replay on restart.
import { createHash } from 'node:crypto';
import { IlogError } from '../ledger/errors.js';
import { GroupState, PersonState, rememberAddress, rowsOf, type GroupJSON, type PersonJSON } from './baseline.js';
import { parseDetectorConfig, type DetectorConfig, type DetectorConfigInput } from './config.js';
import { isRead, viewEntry, type AccessView, type EventView, type ObjectsView, type OutcomeView } from './entry-view.js';
import type { Finding } from './finding.js';
import { RiskBook, type RiskExplanation, type RiskJSON } from './risk.js';
import { AlertBudget, type BudgetJSON } from './budget.js';
import { CAP, caseOf, describeRarity, learnSignals, rarityOf, TailCounts, type TailJSON } from './calibration.js';
import { ContextBook, type ContextBookJSON } from './context/context-book.js';
import { LearnedGroups, type LearnedGroupsJSON } from './context/learned-groups.js';
import { reconSignals } from './rules/recon.js';
import { bypassSignals } from './rules/bypass.js';
import { calibrate, countSignals } from './rules/calibrate.js';
import type { AccessContext, Trace } from './rules/context.js';
import { accessNames, firstAccessSignals } from './rules/first-access.js';
import { COVERING, foreignFinal, foreignKeys, learnWithin, openForeign, teamOf } from './rules/foreign-record.js';
import { OpenLookups, type OpenLookup } from './rules/open-lookups.js';
import { offHoursSignals } from './rules/off-hours.js';
import { accessPrivilegeSignals, eventPrivilegeSignals } from './rules/privilege.js';
import { compilePurposes, purposeSignals, type CompiledPurpose } from './rules/purpose.js';
import { sharedCredentialSignals } from './rules/shared-credentials.js';
import { dayVolumeSignals, readRowsSignals, rollDay, rowsKey, rowsWhat } from './rules/volume.js';
import { buildWatchIndex, watchlistSignals, type WatchIndex } from './rules/watchlist.js';
import { combine, severityOf, type RuleName, type Signal } from './signals.js';
import { BloomFilter } from './stats/bloom.js';
import { Desks } from './stats/desks.js';
import { RecentKeys, type RecentKeysJSON } from './stats/recent-keys.js';
import { FifoMap } from '../ledger/fifo-map.js';
import { Memo } from './stats/memo.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The snapshot format; a snapshot of another version is refused (DETECT_SNAPSHOT_MISMATCH) and the log replayed. */
const SNAPSHOT_VERSION = 9;
/** Rules about facts (this record, this grant) cool down per fact; statistical rules per rule. */
const FACT_RULES: ReadonlySet<RuleName> = new Set(['watchlist', 'privilege', 'bypass', 'purpose']);
const MAX_OVERLAP_DAYS = 16;
const MAX_PROPOSALS = 1000;
/** Access entries kept for `access.objects` follow-ups: those among the last RECENT_ACCESS log indexes. */
const RECENT_ACCESS = 4096;
/**
 * Signals of one person-day are not independent (who works at night also meets new tables at night): the rarest
 * counts in full, each further rule at CORRELATED of its surprise. Tuned on ward and services (1 vs 0.5).
 */
const CORRELATED = 0.5;
function caseRisk(surprises: number[]): number {
  surprises.sort((a, b) => b - a);
  return surprises.reduce((sum, x, i) => sum + (i === 0 ? x : CORRELATED * x), 0);
}

/** Decades of rarity (calibration.ts) per halving of the distance to 100: 2.5 → 50, 5 → 75, 7.5 → 88. */
const HALF_SCORE_DECADES = 2.5;
/** A fact rule at this strength (a relative's record, a self-grant, a bypass) scores its strength, whatever its rarity. */
const FACT_STRENGTH = 0.9;

/** What #clock and #expire find on almost every entry (callers copy their results, never return them). */
const NO_FINDINGS: readonly Finding[] = [];

/** A day-volume finding cites the latest accesses that added records to the day (its evidence). */
const DAY_EVIDENCE = 32;

interface Pending {
  person: string;
  group: string;
  source: string;
  /** What it read (`rowsWhat`): its rows are judged against reads of the same. */
  what: string;
}

export interface DetectorSnapshot {
  v: typeof SNAPSHOT_VERSION;
  /** SHA-256 of the canonical config: a snapshot is only valid for the config that built it. */
  config: string;
  next: number;
  persons: [string, PersonJSON][];
  groups: [string, GroupJSON][];
  everyone: GroupJSON;
  seen: { size: number; bits: string };
  pending: [number, Pending][];
  risk: [string, RiskJSON][];
  proposals: [string, string[]][];
  open: OpenLookup[];
  teams: [string, RecentKeysJSON][];
  desks: ReturnType<Desks['toJSON']>;
  context: ContextBookJSON;
  learned: LearnedGroupsJSON;
  budget: BudgetJSON;
  tails: TailJSON;
  now: number | null;
}

export function configFingerprint(cfg: DetectorConfig): string {
  return createHash('sha256').update(JSON.stringify(cfg)).digest('hex');
}

export class Detector {
  readonly config: DetectorConfig;
  #next = 0;
  #persons = new Map<string, PersonState>();
  #groups = new Map<string, GroupState>();
  #seen: BloomFilter;
  #pending = new FifoMap<number, Pending>();
  /**
   * Recent access entries, for `access.objects` follow-ups (the reconciler writes them within
   * seconds): a ring by log index (slot index % RECENT_ACCESS), no map to grow and evict; the
   * slot's log index beside it (no pair object per access to outlive the young generation).
   */
  #recent: (AccessView | undefined)[] = new Array(RECENT_ACCESS);
  #recentIndex = new Float64Array(RECENT_ACCESS).fill(-1);
  /** Open foreign-record and watch-list lookups awaiting their window. */
  #open = new OpenLookups();
  /** Per team: the records it touched in the last contextDays days (its care context). */
  #teams = new Map<string, RecentKeys>();
  #desks: Desks;
  readonly #teamRe: RegExp;
  #risk: RiskBook;
  /** Targets of recent governance proposals, so an approval can be checked for self-benefit. */
  #proposals = new FifoMap<string, string[]>();
  readonly #watch: WatchIndex;
  readonly #purposes: CompiledPurpose[];
  #context: ContextBook;
  #learned: LearnedGroups;
  #budget: AlertBudget;
  /** Everyone's person-days by the strongest signal per rule (calibration.ts). */
  #tails = new TailCounts(CAP.all);
  /** Everyone as one peer group: the level above a role still warming up (names, norms, habits; baseline.ts levelAbove). */
  #everyone: GroupState;
  /** Time of the latest entry observed: the budget's day follows the log, not the findings' own (earlier) times. */
  #now = Number.NaN;
  /** Diagnostics: told why an access raised nothing (explained, dropped, below minScore). Not part of the state. */
  trace: Trace | undefined;

  constructor(config: DetectorConfigInput | DetectorConfig = {}) {
    this.config = Object.freeze(parseDetectorConfig(config)) as DetectorConfig;
    this.#seen = new BloomFilter(this.config.limits.groupFilterBits * 16);
    this.#risk = new RiskBook(this.config.riskHalfLifeHours);
    this.#watch = buildWatchIndex(this.config);
    this.#purposes = compilePurposes(this.config);
    this.#desks = new Desks(this.config.limits.desks);
    this.#teamRe = new RegExp(this.config.rules.foreignRecord.team);
    this.#context = new ContextBook({ context: this.config.limits.context, afterDays: this.config.context.afterDays, maxCoverage: this.config.context.maxTeamCoverage });
    this.#learned = new LearnedGroups(this.config.rules.foreignRecord.contextDays, this.config.limits.context);
    this.#budget = new AlertBudget(this.config.budget.perThousand, this.config.budget.minPerDay, this.#dayOf);
    this.#everyone = new GroupState(this.config);
  }

  /** Where the detector stands: the next index, the latest entry time, today's budget. */
  status(): { nextIndex: number; latestEntryTime: string | undefined; people: number; budgetPerDay: number; threshold: number } {
    return {
      nextIndex: this.#next,
      latestEntryTime: Number.isFinite(this.#now) ? new Date(this.#now).toISOString() : undefined,
      people: this.#persons.size,
      budgetPerDay: this.#budget.perDay,
      threshold: this.#budget.threshold(),
    };
  }

  /** Index of the next entry the detector expects; entries below it were already observed. */
  get nextIndex(): number {
    return this.#next;
  }

  /**
   * Observe entry `index`. Entries must come in increasing index order; an index
   * already observed is ignored (so a follower that re-delivers after a crash
   * raises nothing twice). Entries the detector does not understand are learned
   * from as nothing and never throw.
   */
  observe(index: number, entry: unknown): Finding[] {
    if (!Number.isSafeInteger(index) || index < 0) throw new IlogError('INVALID_INDEX', `entry index ${index} is not a non-negative integer`, { index });
    if (index < this.#next) return [];
    this.#next = index + 1;
    const v = viewEntry(entry);
    if (!v) return [];
    const promoted = this.#clock(v.kind === 'access' ? (v as AccessView).loggedAt : v.time);
    const expired = this.#expire(v.time);
    const found =
      v.kind === 'access'
        ? this.#access(index, v as AccessView)
        : v.kind === 'outcome'
          ? this.#outcome(index, v as OutcomeView)
          : v.kind === 'access.objects'
            ? this.#objects(index, v as ObjectsView)
            : this.#event(index, v as EventView);
    return promoted.length === 0 && expired.length === 0 ? found : [...promoted, ...expired, ...found];
  }

  /**
   * Judge held look-ups whose window closed by `now` (wall-clock ms) without waiting
   * for a later entry: a quiet log must not hold back a finding. Findings keep their
   * ids, so a replay that meets them at a later entry raises nothing twice.
   */
  advance(now: number): Finding[] {
    return [...this.#clock(now), ...this.#expire(now)];
  }

  /**
   * Move the detector's clock (never backwards) and the budget's day with it; at a new day the
   * strongest findings held by the budget become alerts (the same finding ids, now `alert: true`).
   */
  #clock(t: number): readonly Finding[] {
    if (Number.isFinite(this.#now) && t <= this.#now) return NO_FINDINGS;
    this.#now = t;
    const day = this.#day(t);
    if (this.#budgetDay === day) return NO_FINDINGS;
    this.#budgetDay = day;
    let people = 0;
    for (const p of this.#persons.values()) if (day - p.day <= 7) people++;
    return this.#budget.roll(day, people);
  }
  #budgetDay = Number.NaN;

  /** The budget's day of a time (ms): days start at midnight in the configured UTC offset. */
  #day(t: number): number {
    return Math.floor((t + this.config.utcOffsetMinutes * 60_000) / DAY);
  }
  /** The same for a finding's ISO time: the day of the case it belongs to. */
  readonly #dayOf = (time: string): number => this.#day(Date.parse(time));

  /** Judge lookups whose window closed before `now`; a person covering another team that day is not flagged for its records. */
  #expire(now: number): readonly Finding[] {
    if (!this.#open.due(now)) return NO_FINDINGS;
    const out: Finding[] = [];
    const covering = (o: OpenLookup) => {
      const p = this.#persons.get(o.person);
      const yes =
        o.signal.rule === 'foreign-record' &&
        p !== undefined &&
        p.day === o.day &&
        p.dayForeignEngaged >= COVERING &&
        (o.teams === undefined || o.teams.length === 0 || o.teams.some((t) => p.dayCoveredTeams.includes(t)));
      if (yes) this.trace?.(o.index, 'covering', 'they were covering another team that day');
      return yes;
    };
    for (const o of this.#open.expire(now, (o) => !covering(o))) {
      const f = foreignFinal(o, this.config);
      out.push(...this.#emit(f.index, f.time, f.person, this.#person(f.person, f.time), [f.signal], this.#groups.get(f.group)));
    }
    return out;
  }

  /** The team of a role by the configured pattern, matched once per role. */
  readonly #roleTeams = new Memo((role) => teamOf(role, this.#teamRe));

  #teamKeys(team: string, day: number): RecentKeys {
    let r = this.#teams.get(team);
    if (!r) this.#teams.set(team, (r = new RecentKeys(this.config.rules.foreignRecord.contextDays, this.config.limits.groupFilterBits)));
    r.roll(day);
    return r;
  }

  /** The teams other than `own` that touched `key` in the last contextDays days. */
  readonly #otherTeams = (key: string, own: string, day: number): string[] => {
    const h = BloomFilter.hashes(key);
    const out: string[] = [];
    for (const [team, r] of this.#teams) {
      if (team === own) continue;
      r.roll(day);
      if (r.hasHashed(h)) out.push(team);
    }
    return out;
  };

  /** A person's current risk (0-100) and the findings that drive it. */
  risk(person: string, at: number | string = Date.now()): RiskExplanation {
    return this.#risk.explain(person, typeof at === 'string' ? Date.parse(at) : at);
  }

  riskRanking(at: number | string = Date.now(), limit?: number): RiskExplanation[] {
    return this.#risk.ranking(typeof at === 'string' ? Date.parse(at) : at, limit);
  }

  #person(name: string, t: number): PersonState {
    let p = this.#persons.get(name);
    if (!p) {
      p = new PersonState(this.config);
      p.firstTime = t;
      this.#persons.set(name, p);
    }
    return p;
  }

  #group(name: string, t: number): GroupState {
    let g = this.#groups.get(name);
    if (!g) {
      g = new GroupState(this.config);
      g.firstTime = t;
      this.#groups.set(name, g);
    }
    return g;
  }

  #access(index: number, v: AccessView): Finding[] {
    const cfg = this.config;
    this.#recent[index % RECENT_ACCESS] = v;
    this.#recentIndex[index % RECENT_ACCESS] = index;
    const local = v.time + cfg.utcOffsetMinutes * 60_000;
    const day = Math.floor(local / DAY);
    const hour = Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
    const p = this.#person(v.person, v.time);
    const g = this.#group(v.group, v.time);
    const all = this.#everyone;
    if (p.day !== day) {
      g.personDays++;
      p.tails.newDay();
      g.tails.newDay();
      this.#tails.newDay();
    }
    rollDay(p, day, cfg, g, all);
    for (const level of [g, all])
      if (level.lastDay !== day) {
        level.lastDay = day;
        level.dayCount++;
      }
    if (this.#context.resources.size > 0) this.#toSubjects(v);
    const team = this.#context.teamOf(v.person) ?? this.#roleTeams.of(v.group);
    const teamKeys = this.#teamKeys(team, day);
    const learned = cfg.context.learnedGroups ? this.#learned : undefined;
    const purposeSigs = cfg.rules.purpose.enabled ? purposeSignals(v, this.#purposes, cfg) : [];
    const ctx: AccessContext = { index, v, p, g, all, cfg, hour, day, seen: this.#seen, team, teamKeys, teamsOf: this.#otherTeams, desks: this.#desks, context: this.#context, learned, purposeRejected: purposeSigs.length > 0, trace: this.trace };
    const foreign = foreignKeys(ctx);
    const names = accessNames(v);
    const signals: Signal[] = [
      ...(cfg.rules.watchlist.enabled ? watchlistSignals(ctx, this.#watch, this.#open) : []),
      ...purposeSigs,
      ...offHoursSignals(ctx),
      ...firstAccessSignals(ctx, names),
      ...sharedCredentialSignals(ctx),
      ...accessPrivilegeSignals(v, cfg),
      ...reconSignals(ctx),
    ];
    if (signals.some((s) => s.rule === 'shared-credentials') && !p.overlapDays.includes(day)) {
      p.overlapDays.push(day);
      if (p.overlapDays.length > MAX_OVERLAP_DAYS) p.overlapDays.shift();
    }
    this.#open.touch(v, team, p, this.trace);
    openForeign(ctx, foreign, this.#open);
    const read = isRead(v.action);
    if (read) {
      let fresh = false;
      for (const k of v.keys) {
        if (p.dayKeys.has(k)) continue;
        fresh = true;
        if (p.dayKeys.size < cfg.limits.dayKeys) p.dayKeys.add(k);
        else p.dayKeyOverflow++;
      }
      if (fresh) {
        p.dayNewIndexes.push(index);
        if (p.dayNewIndexes.length > DAY_EVIDENCE) p.dayNewIndexes.shift();
      }
      signals.push(...dayVolumeSignals(p, g, all, cfg));
      if (v.rows !== undefined) signals.push(...this.#learnRows(p, g, v.source, rowsWhat(v.relations, v.resourceType), v.rows));
    }
    // Learn from the entry only now that it has been judged.
    p.events++;
    g.events++;
    all.events++;
    p.hours.add(hour);
    for (const n of names) {
      p.names.add(n);
      g.names.add(n);
      all.names.add(n);
    }
    for (const k of v.keys) {
      teamKeys.add(k);
      this.#seen.add(k);
    }
    if (learned) for (const k of v.recordIds) learned.learn(v.person, k, day);
    if (this.#context.relationships.size > 0 && v.recordIds.length > 0) {
      this.#context.observe(team, v.recordIds[0]!, v.time);
      learnWithin(p, this.#context.covers(v.person, team, v.recordIds[0]!, v.time));
    }
    if (v.address !== undefined) {
      rememberAddress(p, v.address, v.time, index, day);
      g.useTerminal(v.address, v.person);
      this.#desks.use(v.address, v.person, day);
    }
    if (read && v.rows === undefined) {
      this.#pending.set(index, { person: v.person, group: v.group, source: v.source, what: rowsWhat(v.relations, v.resourceType) });
      if (this.#pending.size > cfg.limits.pending) this.#pending.deleteOldest();
    }
    return this.#emit(index, v.time, v.person, p, signals, g);
  }

  /** Record ids become the subjects they belong to (context feed), so a chart, a lab result and an invoice are one patient. */
  #toSubjects(v: AccessView): void {
    const ids = [...new Set(v.recordIds.map((k) => this.#context.subjectOf(k)))];
    const values = v.keys.slice(v.recordIds.length);
    v.recordIds = ids;
    v.keys = [...ids, ...values];
  }

  /**
   * PostgreSQL reported objects the access entry did not name (the tables behind a
   * view or inside a function): judge the statement again on the server's list,
   * for those objects only (no values, no rows: those were judged already).
   */
  #objects(index: number, o: ObjectsView): Finding[] {
    const base = this.#recentIndex[o.access % RECENT_ACCESS] === o.access ? this.#recent[o.access % RECENT_ACCESS] : undefined;
    if (!base) return [];
    const extra = o.objects.filter((x) => !base.relations.includes(x));
    if (extra.length === 0) return [];
    return this.#access(index, { ...base, relations: extra, keys: [], recordIds: [], rows: undefined });
  }

  #learnRows(p: PersonState, g: GroupState, source: string, what: string, rows: number): Signal[] {
    const key = rowsKey(source, what);
    const signals = readRowsSignals(p, g, this.#everyone, source, what, key, rows, this.config);
    const x = Math.log1p(rows);
    this.#addRows(p, source, key, x);
    this.#addRows(g, source, key, x);
    this.#addRows(this.#everyone, source, key, x);
    return signals;
  }

  /** Learn a read's log rows under its source and, while the owner keeps fewer than `limits.names` of them, under what it read. */
  #addRows(owner: PersonState | GroupState, source: string, key: string, x: number): void {
    rowsOf(owner, source).add(x);
    if (key !== source) rowsOf(owner, key, this.config.limits.names)?.add(x);
  }

  #outcome(index: number, o: OutcomeView): Finding[] {
    const pa = this.#pending.get(o.access);
    if (!pa) return [];
    this.#pending.delete(o.access);
    if (!o.ok || o.rows === undefined) return [];
    const p = this.#person(pa.person, o.time);
    const g = this.#group(pa.group, o.time);
    const signals = this.#learnRows(p, g, pa.source, pa.what, o.rows).map((s) => ({ ...s, entries: [o.access] }));
    return this.#emit(index, o.time, pa.person, p, signals, g);
  }

  #event(index: number, e: EventView): Finding[] {
    if (e.kind === 'context.update') {
      this.#context.apply(e.raw);
      return [];
    }
    let targets = e.targets;
    if (e.kind === 'governance.proposal' && typeof e.raw.id === 'string') {
      this.#proposals.set(e.raw.id, targets);
      if (this.#proposals.size > MAX_PROPOSALS) this.#proposals.deleteOldest();
    } else if (e.kind === 'governance.approval' && typeof e.raw.proposal === 'string') {
      targets = this.#proposals.get(e.raw.proposal) ?? [];
    }
    const signals = [...bypassSignals(e, this.config), ...eventPrivilegeSignals(e, targets, this.config)];
    if (signals.length === 0) return [];
    const subject = e.actor ?? '(unknown)';
    return this.#emit(index, e.time, subject, this.#person(subject, e.time), signals);
  }

  #emit(index: number, t: number, subject: string, p: PersonState, raw: Signal[], g?: GroupState): Finding[] {
    if (raw.length === 0) return [];
    const signals = this.config.calibrate ? calibrate(g, raw) : raw;
    const cfg = this.config;
    const cooldownMs = cfg.cooldownMinutes * 60_000;
    const factMs = cfg.factCooldownHours * 3_600_000;
    const keyOf = (s: Signal) => s.key ?? (FACT_RULES.has(s.rule) ? `${s.rule}|${s.reason}` : s.rule);
    const kept = signals.filter((s) => {
      const c = p.cooldown.get(keyOf(s));
      return !c || t - c.time >= (FACT_RULES.has(s.rule) ? factMs : cooldownMs) || s.strength > c.strength + 0.1;
    });
    // Calibrate: judge each signal by how rare it is here (before it is learned), then learn every signal, cooled down or not.
    const levels = { person: p.tails, role: g?.tails, all: this.#tails };
    const rarities = kept.map((s) => rarityOf(levels, s.rule, s.strength));
    const day = Math.floor((t + cfg.utcOffsetMinutes * 60_000) / DAY);
    const todays = caseOf(p.cases, day);
    learnSignals(levels, todays, signals);
    if (kept.length === 0) {
      this.trace?.(index, 'cooldown', `${signals.map((s) => s.rule).join(', ')} already reported lately`);
      return [];
    }
    countSignals(g, raw.filter((_, i) => kept.includes(signals[i]!)));
    // The risk of the person's day: the largest surprise per rule of this finding, plus the other rules that flagged them today.
    const own = new Map<string, number>();
    kept.forEach((s, i) => own.set(s.rule, Math.max(own.get(s.rule) ?? 0, rarities[i]!.surprise)));
    const others = Object.entries(todays?.surprise ?? {}).filter(([r]) => !own.has(r));
    const risk = caseRisk([...own.values(), ...others.map(([, x]) => x)]);
    const reasons = kept.map((s, i) => ({ s, surprise: rarities[i]!.surprise, reason: `${s.reason} (${describeRarity(rarities[i]!.p)})` }));
    if (others.length > 0) {
      others.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const list = others.map(([r, x]) => `${r} (${describeRarity(10 ** -x)})`).join(', ');
      const pattern: Signal = { rule: 'pattern', strength: Math.min(0.5, 0.25 * others.length), reason: `also flagged today for: ${list}` };
      kept.push(pattern);
      reasons.push({ s: pattern, surprise: others.reduce((a, [, x]) => a + x, 0), reason: pattern.reason });
    }
    // Which findings exist is the rules' evidence (noisy-OR of their strengths, as minScore always meant); how they rank, their rarity.
    const evidence = combine(kept);
    if (evidence < cfg.minScore) {
      this.trace?.(index, 'below-min', `evidence ${evidence} (${kept.map((s) => s.rule).join(', ')}) under minScore ${cfg.minScore}`);
      return [];
    }
    const fact = Math.max(0, ...kept.filter((s) => FACT_RULES.has(s.rule) && s.strength >= FACT_STRENGTH).map((s) => Math.round(100 * s.strength)));
    const score = Math.max(fact, Math.round(100 * (1 - 2 ** (-risk / HALF_SCORE_DECADES))));
    if (todays) for (const [r, x] of own) todays.surprise[r] = Math.max(todays.surprise[r] ?? 0, x);
    // Strongest first: policy facts, then the rarest signals.
    const weight = (x: (typeof reasons)[number]) => (FACT_RULES.has(x.s.rule) && x.s.strength >= FACT_STRENGTH ? 100 : 0) + x.surprise;
    reasons.sort((a, b) => weight(b) - weight(a));
    for (const [k, c] of p.cooldown) if (t - c.time >= Math.max(cooldownMs, factMs)) p.cooldown.delete(k);
    for (const s of kept) if (s.rule !== 'pattern') p.cooldown.set(keyOf(s), { time: t, strength: s.strength });
    const concerns = new Set(kept.flatMap((s) => s.concerns ?? []));
    concerns.delete(subject);
    const entries = [...new Set([index, ...kept.flatMap((s) => s.entries ?? [])])].sort((a, b) => a - b);
    const top = reasons[0]!.s;
    // Accesses logged long after they happened (import, backfill) teach but never page anyone.
    const alertable = !(this.#now - t > cfg.budget.backfillHours * 3_600_000);
    const finding: Finding = {
      id: `${top.rule}:${index}`,
      rule: top.rule,
      rules: [...new Set(reasons.map((x) => x.s.rule))],
      subject,
      alsoConcerns: [...concerns].sort(),
      // Severity is the evidence (the rules' own strengths, noisy-OR); the score is its rarity here.
      severity: severityOf(evidence, cfg),
      score,
      risk: Math.round(risk * 100) / 100,
      reasons: reasons.map((x) => x.reason),
      entries,
      time: new Date(t).toISOString(),
    };
    // The rules of this finding and those the day's pattern names: an alert of an earlier day sharing one keeps the case open (budget.ts).
    const family = [...kept.filter((s) => s.rule !== 'pattern').map((s) => s.rule), ...others.map(([r]) => r)];
    const decision = this.#budget.decide(finding, alertable, evidence, family);
    // A path around the log (pgAudit reconciler) always pages: the budget is for judgement calls, not for bypasses.
    finding.alert = decision.alert || (alertable && kept.some((s) => s.rule === 'bypass'));
    if (decision.rarity !== undefined) finding.rarity = decision.rarity;
    this.#risk.add(finding, t);
    return [finding];
  }

  /** The detector's whole state as plain JSON data (a deep copy: later observations do not change it). */
  snapshot(): DetectorSnapshot {
    return structuredClone({
      v: SNAPSHOT_VERSION,
      config: configFingerprint(this.config),
      next: this.#next,
      persons: [...this.#persons].map(([n, p]) => [n, p.toJSON()]),
      groups: [...this.#groups].map(([n, g]) => [n, g.toJSON()]),
      everyone: this.#everyone.toJSON(),
      seen: this.#seen.toJSON(),
      pending: [...this.#pending],
      risk: this.#risk.toJSON(),
      proposals: [...this.#proposals],
      open: this.#open.toJSON(),
      teams: [...this.#teams].map(([n, r]) => [n, r.toJSON()]),
      desks: this.#desks.toJSON(),
      context: this.#context.toJSON(),
      learned: this.#learned.toJSON(),
      budget: this.#budget.toJSON(),
      tails: this.#tails.toJSON(),
      now: Number.isFinite(this.#now) ? this.#now : null,
    } satisfies DetectorSnapshot);
  }

  /** Rebuild a detector from a snapshot taken with the same config; throws DETECT_SNAPSHOT_MISMATCH otherwise (replay from 0 instead). */
  static restore(snapshot: DetectorSnapshot, config: DetectorConfigInput | DetectorConfig = {}): Detector {
    const d = new Detector(config);
    if (snapshot?.v !== SNAPSHOT_VERSION || snapshot.config !== configFingerprint(d.config))
      throw new IlogError('DETECT_SNAPSHOT_MISMATCH', 'detector snapshot was made with another version or config; replay the log from entry 0', {
        expected: configFingerprint(d.config),
        found: snapshot?.config,
      });
    snapshot = structuredClone(snapshot); // the restored detector must not alias (and later mutate) the caller's object
    d.#next = snapshot.next;
    for (const [n, p] of snapshot.persons) d.#persons.set(n, PersonState.from(p, d.config));
    for (const [n, g] of snapshot.groups) d.#groups.set(n, GroupState.from(g, d.config));
    d.#everyone = GroupState.from(snapshot.everyone, d.config);
    d.#seen = BloomFilter.from(snapshot.seen);
    d.#pending = new FifoMap(snapshot.pending);
    d.#open = OpenLookups.from(snapshot.open);
    const fr = d.config.rules.foreignRecord;
    d.#teams = new Map(snapshot.teams.map(([n, r]) => [n, RecentKeys.from(r, fr.contextDays, d.config.limits.groupFilterBits)]));
    d.#desks = new Desks(d.config.limits.desks, snapshot.desks);
    d.#risk = RiskBook.from(d.config.riskHalfLifeHours, snapshot.risk);
    d.#proposals = new FifoMap(snapshot.proposals);
    d.#context = ContextBook.from(snapshot.context, { context: d.config.limits.context, afterDays: d.config.context.afterDays, maxCoverage: d.config.context.maxTeamCoverage });
    d.#learned = LearnedGroups.from(snapshot.learned, fr.contextDays, d.config.limits.context);
    d.#tails = TailCounts.from(snapshot.tails, CAP.all);
    d.#now = snapshot.now ?? Number.NaN;
    d.#budget = AlertBudget.from(snapshot.budget, d.config.budget.perThousand, d.config.budget.minPerDay, d.#dayOf);
    d.#budgetDay = snapshot.budget.day ?? Number.NaN;
    return d;
  }
}

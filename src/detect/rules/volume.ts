// Rules: bulk reads and slow drips, against the person's own norm.
// - bulk-read (one statement): log(rows) against the person's Welford mean/sd;
//   both a ratio and a z-score must be exceeded, so a person whose reports vary
//   a lot is judged by their own spread.
// - bulk-read (one day): distinct records touched today against the person's
//   daily norm, reported when today first passes minRatio×, then 3× that, ...
// - slow-drip: a one-sided CUSUM (Page 1954) over daily distinct-record z-scores
//   catches a small excess sustained over days that no single day shows.
// A person without enough history of their own is judged by the level above
// (their role's members, then everyone; `dailyNorm`, `rowsNorm`), not left
// silent: an analyst who reads a few records a month has no daily norm, but
// their role has one, and so does the organisation.
import type { GroupState, PersonState } from '../baseline.js';
import type { DetectorConfig } from '../config.js';
import { fmt, ramp, type Signal } from '../signals.js';
import { ewma, type Welford } from '../stats/welford.js';

const SD_FLOOR = 0.35;
const MIN_READS = 20;
const MIN_DAYS = 4;
/** A read of fewer rows is never a bulk export, whatever the person's spread. */
const MIN_BULK_ROWS = 25;
/** Standard scores above the role's own reads a bulk read must also reach. */
const PEER_Z = 2;
/** About a month of working days of memory for the cross-team habit. */
const FOREIGN_DAY_ALPHA = 0.05;
/** The same habit over a level's person-days (a role or everyone: many person-days a day). */
const LEVEL_DAY_ALPHA = 0.005;

/** Person-days (or reads) a level above the person needs before its norm stands in for theirs. */
const LEVEL_MIN = 4;

/** What a read's rows are judged against: its tables (SQL), else its record type (apps); '' when it names neither. */
export function rowsWhat(relations: readonly string[], resourceType: string | undefined): string {
  if (relations.length === 0) return resourceType ?? '';
  return relations.length === 1 ? relations[0]! : [...relations].sort().slice(0, 4).join(',');
}

/** The key of a read's row norm: through `source` of `what` (`rowsWhat`), or `source` itself when it names nothing. */
export const rowsKey = (source: string, what: string) => (what === '' ? source : `${source}\u0000${what}`);

interface RowsNorm {
  mean: number;
  sd: number;
  whose: string;
  /** The key it was found under (the peer check uses the same). */
  key: string;
}

function rowsNormOf(p: PersonState, g: GroupState, all: GroupState, key: string): RowsNorm | undefined {
  const mine = p.readRows.get(key);
  if (mine && mine.n >= MIN_READS) return { mean: mine.mean, sd: mine.sd, whose: 'their', key };
  const peers = g.readRows.get(key);
  if (peers && peers.n >= MIN_READS * LEVEL_MIN) return { mean: peers.mean, sd: peers.sd, whose: 'their role’s', key };
  const everyone = all.readRows.get(key);
  if (everyone && everyone.n >= MIN_READS * LEVEL_MIN) return { mean: everyone.mean, sd: everyone.sd, whose: 'everyone’s', key };
  return undefined;
}

/**
 * The norm a read is judged by: reads of the same tables (or record type) through the same source — theirs, their
 * role's, everyone's — else all reads through the source. A whole-table read of `patients` by an engineer whose reads
 * of it are single rows is judged against those, not against their 25-row reports of other tables.
 */
function rowsNorm(p: PersonState, g: GroupState, all: GroupState, source: string, key: string): RowsNorm | undefined {
  return (key === source ? undefined : rowsNormOf(p, g, all, key)) ?? rowsNormOf(p, g, all, source);
}

/** The daily distinct-record norm a person is judged by: their own, else their role's members', else everyone's. */
export function dailyNorm(p: PersonState, g: GroupState, all: GroupState): { w: Welford; whose: string } | undefined {
  if (p.daily.n >= MIN_DAYS) return { w: p.daily, whose: 'their' };
  if (g.daily.n >= MIN_DAYS * LEVEL_MIN) return { w: g.daily, whose: 'their role’s' };
  if (all.daily.n >= MIN_DAYS * LEVEL_MIN) return { w: all.daily, whose: 'everyone’s' };
  return undefined;
}

/**
 * Judge one read of `rows` rows of `what` through `source` (its norm's key `rowsKey(source, what)`, computed once by
 * the caller, who learns under it too) against the person's (or, while new, their role's, then everyone's) norm.
 */
export function readRowsSignals(p: PersonState, g: GroupState, all: GroupState, source: string, what: string, key: string, rows: number, cfg: DetectorConfig): Signal[] {
  const rule = cfg.rules.bulk;
  const norm = rowsNorm(p, g, all, source, key);
  if (!rule.enabled || !norm) return [];
  const x = Math.log1p(rows);
  const usual = Math.expm1(norm.mean);
  const ratio = (rows + 1) / (usual + 1);
  const z = (x - norm.mean) / Math.max(norm.sd, SD_FLOOR);
  if (ratio < rule.minRatio || z < rule.minZ || rows < MIN_BULK_ROWS) return [];
  // Against the peers too: a read the whole role makes routinely is not an export, however quiet this person's own history.
  const peers = g.readRows.get(norm.key);
  const peerZ = peers && peers.n >= MIN_READS * 4 && norm.whose === 'their' ? (x - peers.mean) / Math.max(peers.sd, SD_FLOOR) : Infinity;
  if (peerZ < PEER_Z) return [];
  return [
    {
      rule: 'bulk-read',
      strength: rule.strength * (0.55 + 0.45 * magnitude(z, ratio, rule)),
      reason: `read ${fmt(rows)} rows${norm.key === source ? '' : ` of ${what}`} in one go, ${fmt(ratio)}× ${norm.whose} usual (~${fmt(usual)})`,
    },
  ];
}

/**
 * How far past the thresholds (0..1): by standard scores, or by the plain ratio for people with a wide spread.
 * Wide ranges (up to minZ + 12 sd, 10,000× minRatio): the strength is what calibration.ts ranks by rarity,
 * so a whole-table export must not land in the same bin as a report 100× the usual.
 */
function magnitude(z: number, ratio: number, rule: DetectorConfig['rules']['bulk']): number {
  const lo = Math.log10(rule.minRatio);
  return Math.max(ramp(z, rule.minZ, rule.minZ + 12), ramp(Math.log10(ratio), lo, lo + 4));
}

/**
 * Close the previous day: fold its distinct-record count into the daily norm and the CUSUM (against the norm the
 * person is judged by, theirs or the level above), and into the norms of the levels above (role, everyone).
 */
export function rollDay(p: PersonState, day: number, cfg: DetectorConfig, g: GroupState, all: GroupState): void {
  if (p.day === day) return;
  if (!Number.isNaN(p.day)) {
    const x = Math.log1p(p.dayDistinct);
    const norm = dailyNorm(p, g, all);
    if (norm) p.cusum = Math.max(0, p.cusum + norm.w.z(x, SD_FLOOR) - cfg.rules.bulk.cusumK);
    p.daily.add(x);
    // Their first day is all new by definition: it says nothing about how often they reach for new tables.
    if (p.dailyRelations.n > 0) p.dailyNewRelations.add(Math.log1p(p.dayNewRelations));
    p.dailyRelations.add(Math.log1p(p.dayRelations.size));
    // Habit: the share of their working days with engaged cross-team work (consults, covering, a billing queue).
    // One record taken over (a transfer in, one consult) is a third of a cross-team day; covering or a billing queue is a whole one.
    const engaged = Math.min(1, p.dayForeignEngaged / 3);
    p.foreignRate = ewma(p.foreignRate, engaged, FOREIGN_DAY_ALPHA);
    for (const level of [g, all]) {
      level.daily.add(x);
      level.foreignRate = ewma(level.foreignRate, engaged, LEVEL_DAY_ALPHA);
    }
  }
  p.activeDays++;
  p.day = day;
  p.dayKeys.clear();
  p.dayKeyOverflow = 0;
  p.dayNewIndexes = [];
  p.dayLevel = 1;
  p.dayDrip = false;
  p.dayForeignEngaged = 0;
  p.dayCoveredTeams = [];
  p.dayInterleaves = 0;
  p.dayRelations.clear();
  p.dayNewRelations = 0;
  p.reconLevel = 1;
}

export function dayVolumeSignals(p: PersonState, g: GroupState, all: GroupState, cfg: DetectorConfig): Signal[] {
  const rule = cfg.rules.bulk;
  const norm = dailyNorm(p, g, all);
  if (!rule.enabled || !norm) return [];
  const today = p.dayDistinct;
  const usual = Math.expm1(norm.w.mean);
  const ratio = (today + 1) / (usual + 1);
  const z = norm.w.z(Math.log1p(today), SD_FLOOR);
  const out: Signal[] = [];
  const level = p.dayLevel === 1 ? rule.minRatio : p.dayLevel * 3;
  if (ratio >= level && z >= rule.minZ) {
    p.dayLevel = level;
    out.push({
      rule: 'bulk-read',
      strength: rule.strength * (0.55 + 0.45 * magnitude(z, ratio, rule)),
      reason: `touched ${fmt(today)} distinct records today, ${fmt(ratio)}× ${norm.whose} usual (~${fmt(usual)} a day)`,
      entries: [...p.dayNewIndexes],
    });
  }
  // The CUSUM as it would stand if the day ended now; report once per day when it crosses h.
  const partial = Math.max(0, p.cusum + z - rule.cusumK);
  if (!p.dayDrip && partial >= rule.cusumH && ratio >= 1.5) {
    p.dayDrip = true;
    out.push({
      rule: 'slow-drip',
      strength: rule.strength * (0.6 + 0.4 * ramp(partial, rule.cusumH, rule.cusumH * 2.5)),
      reason: `has read more distinct records than usual day after day (today ${fmt(today)} vs ~${fmt(usual)} a day, ${norm.whose} usual; cumulative excess ${fmt(partial)} sd)`,
      entries: [...p.dayNewIndexes],
    });
  }
  return out;
}

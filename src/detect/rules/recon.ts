// Rule: reconnaissance — an account mapping the system: catalog enumeration,
// schema dumps, pg_dump-like sweeps that read many tables once. Every statement
// may be housekeeping that needs no purpose (a catalog query, a COPY of a table
// the account may read), so the purpose rule never sees it; what gives it away
// is breadth, judged two ways against the account's own days (log scale, like
// the record-volume rule):
// - the distinct tables and catalogs touched today, against the usual count;
// - how many of them the account had never touched before, against the usual
//   count of new ones. An engineer whose days span a dozen tables of their own
//   does not double them with a 19-table sweep, but 15 tables new to them in an
//   afternoon is a map being drawn.
// Reported at 4×, 12×, 36×… the norm, once per level a day (whichever measure
// reaches it).
import type { PersonState } from '../baseline.js';
import { fmt, ramp, type Signal } from '../signals.js';
import type { Welford } from '../stats/welford.js';
import type { AccessContext } from './context.js';
import { TABLES } from './first-access.js';

const MIN_DAYS = 4;
/** Fewer distinct tables than this in a day is never reconnaissance (a DBA's morning round). */
const MIN_TABLES = 12;
/** Fewer tables new to the account than this in a day is never reconnaissance (a migration adds one or two). */
const MIN_NEW = 8;
const SD_FLOOR = 0.35;
const CATALOG = /^(pg_catalog|information_schema)\.|^pg_/;

/** Today's count against a daily norm: the ratio and standard score, on a log scale. */
function against(today: number, norm: Welford): { usual: number; ratio: number; z: number } {
  const usual = Math.expm1(norm.mean);
  return { usual, ratio: (today + 1) / (usual + 1), z: norm.z(Math.log1p(today), SD_FLOOR) };
}

/** Count today's distinct relations (and those new to the account); judge breadth against the person's own days. */
export function reconSignals(ctx: AccessContext): Signal[] {
  const { p, cfg, v } = ctx;
  const rule = cfg.rules.recon;
  if (v.relations.length === 0) return [];
  const before = p.dayRelations.size;
  for (const r of v.relations) {
    if (p.dayRelations.size >= cfg.limits.names || p.dayRelations.has(r)) continue;
    p.dayRelations.add(r);
    if (!p.names.has(TABLES.of(r))) p.dayNewRelations++;
  }
  const today = p.dayRelations.size;
  if (!rule.enabled || today === before || p.dailyRelations.n < MIN_DAYS) return [];
  const level = p.reconLevel === 1 ? rule.minRatio : p.reconLevel * 3;
  const passes = (x: { ratio: number; z: number }) => x.ratio >= level && x.z >= rule.minZ;
  const all = against(today, p.dailyRelations);
  const fresh = against(p.dayNewRelations, p.dailyNewRelations);
  const byAll = today >= MIN_TABLES && passes(all);
  const byNew = p.dayNewRelations >= MIN_NEW && p.dailyNewRelations.n >= MIN_DAYS && passes(fresh);
  if (!byAll && !byNew) return [];
  p.reconLevel = level;
  const ratio = Math.max(byAll ? all.ratio : 0, byNew ? fresh.ratio : 0);
  return [
    {
      rule: 'recon',
      strength: rule.strength * (0.6 + 0.4 * ramp(Math.log10(ratio), Math.log10(rule.minRatio), Math.log10(rule.minRatio) + 1.5)),
      reason: describe(p, today, all.usual, fresh.usual, byAll ? all.ratio : fresh.ratio, byAll),
      key: `recon|${level}`,
    },
  ];
}

function describe(p: PersonState, today: number, usual: number, usualNew: number, ratio: number, byAll: boolean): string {
  const catalogs = [...p.dayRelations].filter((r) => CATALOG.test(r)).length;
  const tables = `touched ${fmt(today)} distinct tables today (${catalogs} of them system catalogs${p.dayNewRelations > 0 ? `, ${fmt(p.dayNewRelations)} never touched before` : ''})`;
  return byAll
    ? `${tables}, ${fmt(ratio)}× their usual (~${fmt(usual)} a day): mapping or sweeping the database`
    : `${tables}; ${fmt(ratio)}× their usual of new ones (~${fmt(usualNew)} a day): mapping or sweeping the database`;
}

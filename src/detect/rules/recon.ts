// Rule: reconnaissance — an account mapping the system: catalog enumeration,
// schema dumps, pg_dump-like sweeps that read many tables once. Every statement
// may be housekeeping that needs no purpose (a catalog query, a COPY of a table
// the account may read), so the purpose rule never sees it; what gives it away
// is breadth: the distinct tables and catalogs touched today, far beyond the
// account's own daily norm (log scale, like the record-volume rule). Reported
// at 4×, 12×, 36×… the norm, once per level a day.
import { fmt, ramp, type Signal } from '../signals.js';
import type { AccessContext } from './context.js';

const MIN_DAYS = 4;
/** Fewer distinct tables than this in a day is never reconnaissance (a DBA's morning round). */
const MIN_TABLES = 12;
const SD_FLOOR = 0.35;
const CATALOG = /^(pg_catalog|information_schema)\.|^pg_/;

/** Count today's distinct relations; judge breadth against the person's own days. */
export function reconSignals(ctx: AccessContext): Signal[] {
  const { p, cfg, v } = ctx;
  const rule = cfg.rules.recon;
  if (v.relations.length === 0) return [];
  const before = p.dayRelations.size;
  for (const r of v.relations) if (p.dayRelations.size < cfg.limits.names) p.dayRelations.add(r);
  const today = p.dayRelations.size;
  if (!rule.enabled || today === before || today < MIN_TABLES || p.dailyRelations.n < MIN_DAYS) return [];
  const usual = Math.expm1(p.dailyRelations.mean);
  const ratio = (today + 1) / (usual + 1);
  const z = p.dailyRelations.z(Math.log1p(today), SD_FLOOR);
  const level = p.reconLevel === 1 ? rule.minRatio : p.reconLevel * 3;
  if (ratio < level || z < rule.minZ) return [];
  p.reconLevel = level;
  const catalogs = [...p.dayRelations].filter((r) => CATALOG.test(r)).length;
  return [
    {
      rule: 'recon',
      strength: rule.strength * (0.6 + 0.4 * ramp(Math.log10(ratio), Math.log10(rule.minRatio), Math.log10(rule.minRatio) + 1.5)),
      reason: `touched ${fmt(today)} distinct tables today (${catalogs} of them system catalogs), ${fmt(ratio)}× their usual (~${fmt(usual)} a day): mapping or sweeping the database`,
      key: `recon|${level}`,
    },
  ];
}

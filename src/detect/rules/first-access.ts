// Rule: first-time access to a table, resource type or action (COPY TO, GRANT)
// for this person, stronger when their peer group (role) has never done it
// either. While the person warms up (everything is new to them) only what is new
// to the level above counts: their role, or the whole organisation while the
// role itself is too new or too quiet to have a norm (baseline.ts, levelAbove).
import { levelAbove } from '../baseline.js';
import type { DetectorConfig } from '../config.js';
import type { AccessView } from '../entry-view.js';
import type { Signal } from '../signals.js';
import type { AccessContext } from './context.js';
import { Memo } from '../stats/memo.js';

// Every access names its action and type, each looked up in several NameCounts (person, role, everyone).
export const TABLES = new Memo((r) => `table:${r}`);
const TYPES = new Memo((t) => `type:${t}`);
const ACTIONS = new Memo((a) => `action:${a}`);

/** Names an access is made of: tables, the resource type, the action. */
export function accessNames(v: AccessView): string[] {
  const names = v.relations.map((r) => TABLES.of(r));
  if (v.resourceType) names.push(TYPES.of(v.resourceType));
  names.push(ACTIONS.of(v.action));
  return names;
}

function describe(name: string): string {
  const [kind, value] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
  return kind === 'table' ? `\`${value}\`` : kind === 'type' ? `${value} records` : `the action "${value}"`;
}

/** Tables and record types the organisation's purpose policies name: what it declared personal, per config. */
const protectedCache = new WeakMap<DetectorConfig, Set<string>>();
function protectedNames(cfg: DetectorConfig): Set<string> {
  let set = protectedCache.get(cfg);
  if (!set) {
    set = new Set([...cfg.purposes.flatMap((p) => (p.match.relations ?? []).map((r) => TABLES.of(r))), ...cfg.purposes.flatMap((p) => (p.match.resourceTypes ?? []).map((t) => TYPES.of(t)))]);
    protectedCache.set(cfg, set);
  }
  return set;
}
/** Added to the strength of a first access, new to the whole role, to a table or record type a purpose policy protects. */
const PROTECTED_BOOST = 0.2;

export function firstAccessSignals(ctx: AccessContext, names: readonly string[]): Signal[] {
  const { p, g, cfg, v } = ctx;
  const rule = cfg.rules.firstAccess;
  if (!rule.enabled) return [];
  const warm = p.warm(cfg, v.time);
  const above = levelAbove(g, ctx.all, cfg);
  if (!warm && !above) return [];
  const personNew: string[] = [];
  const groupNew: string[] = [];
  for (const n of names) {
    if (p.names.has(n)) continue;
    if (above && !above.level.names.has(n)) groupNew.push(n);
    else if (warm) personNew.push(n);
  }
  const out: Signal[] = [];
  if (groupNew.length > 0) {
    // A table or record type the organisation protects with a purpose policy is personal data, not a scratch table.
    const guarded = groupNew.some((n) => protectedNames(cfg).has(n));
    out.push({
      rule: 'first-access',
      strength: Math.min(1, rule.group + (guarded ? PROTECTED_BOOST : 0)),
      reason: `never before touched ${groupNew.map(describe).join(', ')}${guarded ? ' (which a purpose policy protects)' : ''}, nor has anyone in ${above!.level === g ? `their role \`${v.group}\`` : 'the organisation'}${warm ? '' : ' (they are new: judged by the level above)'}`,
    });
  }
  if (personNew.length > 0)
    out.push({ rule: 'first-access', strength: rule.person, reason: `never before touched ${personNew.map(describe).join(', ')}` });
  return out;
}

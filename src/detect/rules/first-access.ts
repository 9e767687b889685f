// Rule: first-time access to a table, resource type or action (COPY TO, GRANT)
// for this person, stronger when their peer group (role) has never done it
// either. Silent during warm-up, when everything is new.
import type { AccessView } from '../entry-view.js';
import type { Signal } from '../signals.js';
import type { AccessContext } from './context.js';

/** Names an access is made of: tables, the resource type, the action. */
export function accessNames(v: AccessView): string[] {
  const names = v.relations.map((r) => `table:${r}`);
  if (v.resourceType) names.push(`type:${v.resourceType}`);
  names.push(`action:${v.action}`);
  return names;
}

function describe(name: string): string {
  const [kind, value] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
  return kind === 'table' ? `\`${value}\`` : kind === 'type' ? `${value} records` : `the action "${value}"`;
}

export function firstAccessSignals(ctx: AccessContext, names: readonly string[]): Signal[] {
  const { p, g, cfg, v } = ctx;
  const rule = cfg.rules.firstAccess;
  if (!rule.enabled || !p.warm(cfg, v.time)) return [];
  const personNew: string[] = [];
  const groupNew: string[] = [];
  for (const n of names) {
    if (p.names.has(n)) continue;
    if (g.warm(cfg) && !g.names.has(n)) groupNew.push(n);
    else personNew.push(n);
  }
  const out: Signal[] = [];
  if (groupNew.length > 0)
    out.push({
      rule: 'first-access',
      strength: rule.group,
      reason: `never before touched ${groupNew.map(describe).join(', ')}, nor has anyone in their role \`${v.group}\``,
    });
  if (personNew.length > 0)
    out.push({ rule: 'first-access', strength: rule.person, reason: `never before touched ${personNew.map(describe).join(', ')}` });
  return out;
}

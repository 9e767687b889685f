// Rule: access without a purpose that matches the configured pattern for that
// kind of access (e.g. clinical notes need "treatment:*"; a billing purpose on
// them is a mismatch, a missing purpose is worse than none required).
import type { DetectorConfig } from '../config.js';
import type { AccessView } from '../entry-view.js';
import type { Signal } from '../signals.js';

export interface CompiledPurpose {
  rule: DetectorConfig['purposes'][number];
  re: RegExp;
}

export function compilePurposes(cfg: DetectorConfig): CompiledPurpose[] {
  return cfg.purposes.map((rule) => ({ rule, re: new RegExp(rule.pattern) }));
}

function applies(m: CompiledPurpose['rule']['match'], v: AccessView): boolean {
  if (m.source !== undefined && m.source !== v.source) return false;
  if (m.group !== undefined && m.group !== v.group) return false;
  if (m.action && !m.action.includes(v.action)) return false;
  if (m.relations && !v.relations.some((r) => m.relations!.includes(r))) return false;
  if (m.resourceTypes && (v.resourceType === undefined || !m.resourceTypes.includes(v.resourceType))) return false;
  return true;
}

function what(v: AccessView): string {
  return v.relations.length > 0 ? v.relations.map((r) => `\`${r}\``).join(', ') : v.resourceType ? `${v.resourceType} records` : v.action;
}

export function purposeSignals(v: AccessView, purposes: readonly CompiledPurpose[], cfg: DetectorConfig): Signal[] {
  for (const p of purposes) {
    if (!applies(p.rule.match, v)) continue;
    const expected = p.rule.label ?? `a purpose matching /${p.rule.pattern}/`;
    if (v.purpose === undefined)
      return [{ rule: 'purpose', strength: cfg.rules.purpose.missing, reason: `accessed ${what(v)} without stating a purpose (${expected} is required)`, key: `purpose|${what(v)}` }];
    if (!p.re.test(v.purpose))
      return [{ rule: 'purpose', strength: cfg.rules.purpose.mismatch, reason: `accessed ${what(v)} for purpose "${v.purpose}", which is not ${expected}`, key: `purpose|${what(v)}` }];
    return [];
  }
  return [];
}

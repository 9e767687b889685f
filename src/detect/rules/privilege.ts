// Rule: privilege changes (GRANT, ALTER/CREATE ROLE in SQL; governance.* and
// user.* entries) and above all self-grants, where the actor is also the
// beneficiary. Routine changes by admins score low; a self-grant scores high.
import type { DetectorConfig } from '../config.js';
import type { AccessView, EventView } from '../entry-view.js';
import type { Signal } from '../signals.js';

const PRIVILEGE_KINDS = new Set(['GRANT', 'GRANTROLE', 'ALTERROLE', 'ALTERUSER', 'CREATEROLE', 'CREATEUSER', 'ALTERDEFAULTPRIVILEGES']);

const unquote = (s: string) => s.replace(/^"|"$/g, '').toLowerCase();

/** Roles a privilege statement benefits: grantees after TO, or the role an ALTER/CREATE names. */
export function beneficiaries(text: string): string[] {
  const to = /\bTO\s+(.+?)(?:\s+WITH\b|\s+GRANTED\b|;|$)/i.exec(text);
  if (to?.[1]) return to[1].split(',').map((s) => unquote(s.trim().replace(/^(GROUP|ROLE)\s+/i, '')));
  const role = /\b(?:ALTER|CREATE)\s+(?:ROLE|USER|GROUP)\s+("[^"]+"|\S+)/i.exec(text);
  return role?.[1] ? [unquote(role[1])] : [];
}

export function accessPrivilegeSignals(v: AccessView, cfg: DetectorConfig): Signal[] {
  const rule = cfg.rules.privilege;
  if (!rule.enabled) return [];
  if (v.action !== 'grant' && !(v.statementKind && PRIVILEGE_KINDS.has(v.statementKind))) return [];
  const who = beneficiaries(v.statementText ?? '');
  const self = who.filter((w) => w === v.person.toLowerCase() || w === v.group.toLowerCase());
  const stmt = v.statementText ? `\`${v.statementText.slice(0, 120)}\`` : `a ${v.statementKind ?? v.action} statement`;
  if (self.length > 0)
    return [{ rule: 'privilege', strength: rule.self, reason: `granted privileges to themselves (${stmt}, benefiting ${self.join(', ')})` }];
  return [{ rule: 'privilege', strength: rule.change, reason: `changed privileges: ${stmt}`, concerns: who.filter((w) => w !== 'public') }];
}

/**
 * governance.proposal / governance.approval / user.* entries: self-benefit when the
 * signer (or actor) is among the persons/admins the change is about. `targets`
 * of an approval are those of the proposal it approves (the detector supplies them).
 */
export function eventPrivilegeSignals(e: EventView, targets: readonly string[], cfg: DetectorConfig): Signal[] {
  const rule = cfg.rules.privilege;
  if (!rule.enabled || e.actor === undefined || e.kind === 'bypass.detected' || targets.length === 0) return [];
  const verb = e.kind === 'governance.approval' ? 'approved' : e.kind === 'governance.proposal' ? 'proposed' : `recorded ${e.kind} for`;
  if (targets.includes(e.actor))
    return [{ rule: 'privilege', strength: rule.self, reason: `${verb} a change of persons or admins that includes themselves (${e.actor})` }];
  return [{ rule: 'privilege', strength: rule.change, reason: `${verb} a change of persons or admins: ${targets.join(', ')}`, concerns: [...targets] }];
}

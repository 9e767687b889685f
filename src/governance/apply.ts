// Applying the changes of a proposal that reached its quorum. All changes of a
// proposal are checked first and applied together, or none is (a proposal is
// one decision). Checks here are the ones that depend on the state at the
// moment of application; the compare-and-swap `base` check comes first.
import type { Change } from './changes.js';
import { itemOf } from './changes.js';
import type { Policy, Provenance } from './policy.js';

/** Why `c` cannot apply to `p` now, or undefined if it can. */
export function inapplicable(p: Policy, c: Change): { reason: string; detail: string } | undefined {
  const item = itemOf(c);
  const version = p.versions.get(item) ?? null;
  if (c.base !== version) {
    return { reason: 'SUPERSEDED', detail: `${item} changed at entry ${version ?? 'none'} after the proposal was made (base ${c.base ?? 'none'})` };
  }
  const fail = (detail: string) => ({ reason: 'NOT_APPLICABLE', detail });
  // One credential, one person: a verifier commitment is public (it is in the log), so a
  // second person committing to it would log in with the first one's password.
  const holder = 'credential' in c ? [...p.persons.values()].find((q) => q.credential === c.credential && q.name !== c.person) : undefined;
  if (holder) return fail(`that credential is already ${holder.name}'s; every person needs their own password`);
  switch (c.op) {
    case 'person.add':
      return p.persons.has(c.person) ? fail(`person ${c.person} already exists`) : undefined;
    case 'person.update':
    case 'person.credential':
    case 'person.remove':
      return p.persons.has(c.person) ? undefined : fail(`no person ${c.person}`);
    case 'lock.lift':
      return p.locks.has(c.person) ? undefined : fail(`${c.person} is not locked`);
    case 'lockdown.lift':
      return p.lockdown ? undefined : fail('no lockdown is in force');
    case 'breakglass.ratify': {
      const g = p.grants.get(c.grant);
      if (!g) return fail(`no break-glass grant at entry ${c.grant}`);
      if (g.expired !== undefined) return fail(`grant ${c.grant} already expired into a lock`);
      return g.ratified ? fail(`grant ${c.grant} is already ratified`) : undefined;
    }
    default:
      return undefined;
  }
}

/** Applies one change (already checked with `inapplicable`). Returns whether the admin set changed. */
export function applyChange(p: Policy, c: Change, by: Provenance): boolean {
  p.versions.set(itemOf(c), by.index);
  switch (c.op) {
    case 'person.add':
      p.persons.set(c.person, { name: c.person, role: c.role, credential: c.credential, ...(c.vkey ? { vkey: c.vkey } : {}), madeBy: by });
      return false;
    case 'person.update': {
      const old = p.persons.get(c.person)!;
      const next = { ...old, madeBy: by, ...(c.role ? { role: c.role } : {}) };
      if (c.vkey === null) delete next.vkey;
      else if (c.vkey !== undefined) next.vkey = c.vkey;
      p.persons.set(c.person, next);
      return false;
    }
    case 'person.credential':
      p.persons.set(c.person, { ...p.persons.get(c.person)!, credential: c.credential, madeBy: by });
      return false;
    case 'person.remove':
      p.persons.delete(c.person);
      return false;
    case 'purpose.set':
      p.purpose = { value: { pattern: c.pattern, exempt: [...c.exempt] }, madeBy: by };
      return false;
    case 'admins.set':
      p.admins = c.admins.map((a) => ({ name: a.name, vkey: a.vkey }));
      p.quorum = c.quorum;
      p.adminsMadeBy = by;
      p.epoch = by.index;
      return true;
    case 'witness.policy':
      p.witnessPolicy = { value: c.policy, madeBy: by };
      return false;
    case 'logkey.rotate':
      p.logKey = { value: c.vkey, madeBy: by };
      return false;
    case 'alerts.routing':
      p.alertRouting = { value: c.config, madeBy: by };
      return false;
    case 'reviewer.key': {
      const k = { reviewer: c.reviewer, vkey: c.vkey, recipient: c.recipient, madeBy: by };
      p.reviewers.set(c.reviewer, k);
      p.reviewerKeyHistory.push(k);
      return false;
    }
    case 'storage.migrate':
      p.storageMigrations.set(c.store, { value: { from: c.from, to: c.to }, madeBy: by });
      return false;
    case 'lock.lift':
      p.locks.delete(c.person);
      return false;
    case 'lockdown.lift':
      p.lockdown = undefined;
      return false;
    case 'breakglass.ratify':
      p.grants.get(c.grant)!.ratified = by;
      return false;
  }
}

// `ilog user add|remove` on a governed log (every log `ilog init` makes now):
// a person.add / person.remove proposal signed with the admin key, applied at
// once on a 1-of-1 log and pending for the other admins otherwise. The demo
// adds its person through the same function.
import { IlogError } from '../ledger/errors.js';
import { propose, type Outcome } from './actions.js';
import { buildChange } from './change-args.js';
import type { GovernanceSigner } from './signing.js';
import type { Target } from './target.js';

/** Proposes adding `person` with the SCRAM `verifier` (its commitment goes to the log, the verifier to proxy.db). */
export function addPerson(t: Target, signer: GovernanceSigner, person: string, role: string, verifier: string): Promise<Outcome> {
  return propose(t, signer, (p) => {
    if (p.persons.has(person)) throw new IlogError('USER_EXISTS', `person "${person}" already exists; remove them first to change role or password`, { person });
    const b = buildChange('person.add', [person], { role, verifier }, p);
    return { changes: [b.change], verifiers: [b.verifier!] };
  });
}

export function removePerson(t: Target, signer: GovernanceSigner, person: string): Promise<Outcome> {
  return propose(t, signer, (p) => {
    if (!p.persons.has(person)) throw new IlogError('USER_NOT_FOUND', `no person "${person}"; see \`ilog user list\``, { person });
    return { changes: [buildChange('person.remove', [person], {}, p).change], verifiers: [] };
  });
}

// The proxy's UserDirectory (src/capture/directory.ts) as a replay of
// governance: a person exists, with their upstream role, only if the quorum
// added them; their verifier comes from `<dir>/proxy.db` and is used only if it
// matches the commitment of the latest approved credential.
import { verifierCommitment, type DirectoryUser, type UserDirectory, type VerifierStore } from '../capture/directory.js';
import type { Policy } from './policy.js';

export class GovernedDirectory implements UserDirectory {
  readonly #policy: Policy;
  readonly #store: Pick<VerifierStore, 'get'>;

  constructor(policy: Policy, store: Pick<VerifierStore, 'get'>) {
    this.#policy = policy;
    this.#store = store;
  }

  lookup(person: string): DirectoryUser | undefined {
    const p = this.#policy.persons.get(person);
    if (!p) return undefined;
    const verifier = this.#store.get(p.credential);
    return verifier !== undefined && verifierCommitment(verifier) === p.credential ? { person, role: p.role, verifier } : undefined;
  }

  list(): { person: string; role: string }[] {
    return [...this.#policy.persons.values()].map((p) => ({ person: p.name, role: p.role })).sort((a, b) => a.person.localeCompare(b.person));
  }
}

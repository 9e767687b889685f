// Adds the demo's sample person the way `ilog user add` does (src/cli/user.ts):
// on a governed log (every new demo) a person.add proposal signed with the
// admin key beside the directory (governance/persons.ts); on an older demo
// log, the SCRAM verifier in proxy.db first, then a `user.added` entry that
// commits to it. Idempotent: a person already in the log is left alone.
import { ReplayedDirectory, VerifierStore, checkPerson, checkRole, userAddedEntry } from '../../capture/directory.js';
import { replayOnce } from '../../capture/pg/replay.js';
import { makeVerifier } from '../../capture/pg/scram.js';
import type { Appender } from '../../log/appender.js';
import type { LogStorage } from '../../storage/log-storage.js';
import { assertAccepted } from '../../governance/actions.js';
import { defaultAdminKeyFile, findAdminSigner } from '../../governance/admin-key.js';
import { isGoverned } from '../../governance/genesis.js';
import { addPerson } from '../../governance/persons.js';
import { GovernanceView } from '../../governance/view.js';
import { IlogError } from '../../ledger/errors.js';

function replayedDirectory(storage: LogStorage, store: VerifierStore): ReplayedDirectory {
  const directory = new ReplayedDirectory(store);
  replayOnce(storage, [(i, e) => directory.apply(i, e)]);
  return directory;
}

export function hasPerson(dir: string, storage: LogStorage, person: string): boolean {
  if (isGoverned(dir)) {
    const view = GovernanceView.open(dir);
    try {
      return view.policy.persons.has(person);
    } finally {
      view.close();
    }
  }
  const store = new VerifierStore(dir);
  try {
    return replayedDirectory(storage, store).has(person);
  } finally {
    store.close();
  }
}

/** Returns the index of the new `user.added` entry, or undefined when the person already existed. */
export async function ensurePerson(dir: string, appender: Appender, person: string, role: string, password: () => string): Promise<number | undefined> {
  checkPerson(person);
  checkRole(role);
  if (isGoverned(dir)) {
    if (hasPerson(dir, appender.storage, person)) return undefined;
    const signer = findAdminSigner(dir);
    if (!signer) throw new IlogError('USAGE', `the demo's admin key ${defaultAdminKeyFile(dir)} is missing; start afresh with another --dir`, { file: defaultAdminKeyFile(dir) });
    return assertAccepted(await addPerson({ dir }, signer, person, role, makeVerifier(password()))).index;
  }
  const store = new VerifierStore(dir);
  try {
    if (replayedDirectory(appender.storage, store).has(person)) return undefined;
    const verifier = makeVerifier(password());
    store.put(verifier); // durable before the log names its commitment
    return await appender.append(userAddedEntry(person, role, verifier));
  } finally {
    store.close();
  }
}

// Adds the demo's sample person the way `ilog user add` does (src/cli/user.ts):
// SCRAM verifier stored durably in proxy.db first, then a `user.added` entry
// that commits to it. Idempotent: a person already in the log is left alone.
import { ReplayedDirectory, VerifierStore, checkPerson, checkRole, userAddedEntry } from '../capture/directory.js';
import { replayOnce } from '../capture/pg/replay.js';
import { makeVerifier } from '../capture/pg/scram.js';
import type { Appender } from '../log/appender.js';
import type { LogStorage } from '../storage/log-storage.js';

function replayedDirectory(storage: LogStorage, store: VerifierStore): ReplayedDirectory {
  const directory = new ReplayedDirectory(store);
  replayOnce(storage, [(i, e) => directory.apply(i, e)]);
  return directory;
}

export function hasPerson(dir: string, storage: LogStorage, person: string): boolean {
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

// Log entries with sealed alert bodies opened (src/alert/seal.ts), for tests
// that read alerts straight from the log: with the keys a harness made, or with
// the server's alert key in a data directory (`alert-server.age`, `hmac.key`).
import { serverSealing } from '../../../src/server/alerting.js';
import { openRaised } from '../../../src/alert/seal.js';

type Keys = { identity: string; tagKey: Uint8Array };

export async function openEntries<T extends { entry: Record<string, any> }>(entries: T[], keys: Keys): Promise<T[]> {
  return Promise.all(entries.map(async (e) => ({ ...e, entry: await openRaised(e.entry, keys) })));
}

export async function openEntriesIn<T extends { entry: Record<string, any> }>(dir: string, entries: T[]): Promise<T[]> {
  return openEntries(entries, await serverSealing(dir)());
}

/** The same for bare entry objects. */
export async function openBare(dir: string, entries: Record<string, any>[]): Promise<Record<string, any>[]> {
  const keys = await serverSealing(dir)();
  return Promise.all(entries.map((e) => openRaised(e, keys)));
}

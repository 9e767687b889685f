// The genesis ceremony's governance half: admins bring their public keys
// (made with `ilog keygen` on their own machines; private keys never reach the
// server) and `ilog init --admin <vkey> … --quorum M` writes them, with the
// quorum, into entry 0. From then on every change of policy is an entry.
import { IlogError } from '../ledger/errors.js';
import { verifierFromKey } from '../ledger/note.js';
import { openLogStorage } from '../storage/open-storage.js';
import type { LogStorage } from '../storage/log-storage.js';
import { genesisGovernanceSchema } from './entries.js';

/** The genesis fields for `vkeys` and `quorum`; throws USAGE on a bad key, a repeated admin or an impossible quorum. */
export function governanceGenesis(vkeys: readonly string[], quorum: number): { admins: { name: string; vkey: string }[]; quorum: number } {
  const admins = vkeys.map((raw) => {
    const vkey = raw.trim();
    try {
      return { name: verifierFromKey(vkey).name, vkey };
    } catch (e) {
      throw new IlogError('USAGE', `--admin ${vkey.slice(0, 40)}… is not a signed-note Ed25519 vkey (print one with \`ilog keygen\`)`, { vkey, cause: String(e) });
    }
  });
  if (new Set(admins.map((a) => a.name)).size !== admins.length || new Set(admins.map((a) => a.vkey)).size !== admins.length) {
    throw new IlogError('USAGE', 'each admin needs a distinct key and key name', { admins: admins.map((a) => a.name) });
  }
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > admins.length) {
    throw new IlogError('USAGE', `--quorum must be between 1 and the ${admins.length} admins`, { quorum });
  }
  return genesisGovernanceSchema.parse({ admins, quorum });
}

/** Whether the log in `dir` names admins in its genesis (then locks, persons and policy are governed). */
export function isGoverned(dir: string, open?: Pick<LogStorage, 'readEntries'>): boolean {
  // A log already open is read as it is: opening a PostgreSQL store again starts a worker and connects (seconds, on a failover's path).
  const storage = open ?? openLogStorage(dir, { readonly: true });
  try {
    const first = storage.readEntries(0, 1)[0];
    if (!first) return false;
    const g = JSON.parse(Buffer.from(first).toString('utf8')) as { admins?: unknown };
    return Array.isArray(g.admins) && g.admins.length > 0;
  } finally {
    if (!open) (storage as LogStorage).close();
  }
}

/** For the simple (unsigned) commands: throws GOVERNED, naming the governed way, when the log is governed. */
export function assertNotGoverned(dir: string, instead: string): void {
  if (isGoverned(dir)) {
    throw new IlogError('GOVERNED', `this log is governed (its genesis names admins): ${instead} (docs/governance.md)`, { instead });
  }
}

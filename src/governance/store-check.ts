// Stores edited behind the log's back. The running policy is the replay of the
// log; anything kept beside it — the proxy's verifier store, the genesis copy in
// config.json, the policy snapshot in governance.json — must agree with that
// replay, or the service refuses to start (STORE_DIVERGES) and `ilog verify`
// reports the discrepancy.
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifierCommitment } from '../capture/directory.js';
import { IlogError } from '../ledger/errors.js';
import { ProvenLog, type EntryReader } from '../log/proven-log.js';
import { openLogStorage } from '../storage/open-storage.js';
import { PolicyMachine } from './machine.js';
import type { Policy } from './policy.js';
import { advance } from './replay.js';
import { readSnapshot, snapshotOf, type Snapshot } from './snapshot.js';

export interface Discrepancy {
  /** The file that disagrees with the log. */
  store: string;
  /** What disagrees (a person, a commitment, `quorum`, …). */
  item: string;
  expected: unknown;
  found: unknown;
}

/** proxy.db: every verifier must hash to its key and be one an admin-signed proposal committed to. */
function checkVerifiers(dir: string, policy: Policy): Discrepancy[] {
  const path = join(dir, 'proxy.db');
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'verifiers'").get();
    if (!hasTable) return [];
    const out: Discrepancy[] = [];
    for (const row of db.prepare('SELECT commitment, verifier FROM verifiers').iterate() as Iterable<{ commitment: string; verifier: string }>) {
      if (verifierCommitment(row.verifier) !== row.commitment) {
        out.push({ store: 'proxy.db', item: `verifier ${row.commitment}`, expected: row.commitment, found: verifierCommitment(row.verifier) });
      } else if (!policy.commitments.has(row.commitment)) {
        out.push({ store: 'proxy.db', item: `verifier ${row.commitment}`, expected: 'a commitment in an admin-signed proposal', found: 'not in the log' });
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** config.json may repeat the genesis governance fields; they must be genesis's. */
function checkConfig(dir: string, genesis: Record<string, unknown>): Discrepancy[] {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return [];
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return [{ store: 'config.json', item: 'file', expected: 'JSON', found: 'unparseable' }];
  }
  const out: Discrepancy[] = [];
  for (const key of ['origin', 'admins', 'quorum'] as const) {
    if (config[key] !== undefined && JSON.stringify(config[key]) !== JSON.stringify(genesis[key])) {
      out.push({ store: 'config.json', item: key, expected: genesis[key], found: config[key] });
    }
  }
  return out;
}

/** governance.json (the snapshot the server writes) must equal the policy the log gives at its size (`at`). */
function checkSnapshot(dir: string, size: number, at: (size: number) => Snapshot): Discrepancy[] {
  const snap = readSnapshot(dir);
  if (!snap) return [];
  if (snap === 'unreadable') return [{ store: 'governance.json', item: 'file', expected: 'a policy snapshot', found: 'unreadable' }];
  if (snap.size > size) return [{ store: 'governance.json', item: 'size', expected: `<= ${size}`, found: snap.size }];
  const expected = at(snap.size);
  const out: Discrepancy[] = [];
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    if (JSON.stringify(expected[key]) !== JSON.stringify(snap[key])) out.push({ store: 'governance.json', item: key, expected: expected[key], found: snap[key] });
  }
  return out;
}

/** The policy after the first `size` entries of `log`, replayed from entry 0. */
export function replayTo(log: EntryReader, size: number): Policy {
  const m = new PolicyMachine();
  advance(m, { size: () => size, readEntries: (a, b, l) => log.readEntries(a, Math.min(b, size), l) });
  return m.policy;
}

/**
 * The stores beside the log against a replay already made: `policy` is the
 * replay of every entry `log` proves, `at(size)` governance.json's form of the policy after `size` entries.
 */
export function checkStores(dir: string, log: EntryReader, policy: Policy, at: (size: number) => Snapshot = (n) => snapshotOf(replayTo(log, n))): Discrepancy[] {
  if (!policy.governed) return [];
  const genesis = JSON.parse(Buffer.from(log.readEntries(0, 1)[0]!).toString('utf8')) as Record<string, unknown>;
  return [...checkVerifiers(dir, policy), ...checkConfig(dir, genesis), ...checkSnapshot(dir, log.size(), at)];
}

/** Every way the stores beside the log disagree with the policy the log says (a replay from entry 0). */
export function checkStoreAgainstPolicy(dir: string): Discrepancy[] {
  const raw = openLogStorage(dir, { readonly: true });
  try {
    // Only what the signed tree proves: an edited entry throws TILE_MISMATCH here.
    const storage = ProvenLog.forDir(dir, raw);
    const m = new PolicyMachine();
    advance(m, storage);
    return checkStores(dir, storage, m.policy);
  } finally {
    raw.close();
  }
}

/** Throws STORE_DIVERGES (naming the first discrepancy) unless the stores match the log. */
export function assertStoreMatchesPolicy(dir: string, found = checkStoreAgainstPolicy(dir)): void {
  if (found.length === 0) return;
  const d = found[0]!;
  throw new IlogError(
    'STORE_DIVERGES',
    `${d.store} disagrees with the log on ${d.item} (${found.length} discrepanc${found.length === 1 ? 'y' : 'ies'}); the store was edited behind the log's back — restore it or make the change through governance`,
    { discrepancies: found },
  );
}

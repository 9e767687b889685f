// Policy is a replay of the log: `replayPolicy` folds the entries from genesis
// through the state machine. `replayStorage` does the same straight from a
// LogStorage, decoding only the entries that can matter: in canonical JSON a
// top-level `"kind":"governance.…"` appears literally, so a byte search skips
// the millions of access entries without parsing them (false positives, such
// as a nested `"kind":"…"`, are parsed and dropped; a governance entry can never
// be missed, since canonical JSON escapes every quote inside a string).
import type { EntryReader } from '../log/proven-log.js';
import { IlogError } from '../ledger/errors.js';
import { PolicyMachine, type GovernanceEvent } from './machine.js';
import type { Policy } from './policy.js';

/** Replays decoded entries (index 0 = genesis) and returns the running policy. */
export function replayPolicy(entries: Iterable<Record<string, unknown>>): Policy {
  const m = new PolicyMachine();
  let i = 0;
  for (const e of entries) m.apply(i++, e);
  return m.policy;
}

const KIND = Buffer.from('"kind":"');
// First letters of the kinds the machine reads: genesis, governance.*, lock.*,
// lockdown.*, breakglass.*, user.* (bypass.* also passes; it is parsed and
// ignored), and storage.migrated, matched whole (access entries carry nested
// "kind":"select" and the like).
const FIRST = new Set([0x67, 0x6c, 0x62, 0x75]);
const STORAGE = Buffer.from('storage.');

/** Whether an encoded entry may be one the machine looks at (one scan, no parsing). */
export function mayGovern(bytes: Uint8Array): boolean {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = b.indexOf(KIND); at >= 0; at = b.indexOf(KIND, at + KIND.length)) {
    const k = at + KIND.length;
    if (FIRST.has(b[k]!) || (b[k] === 0x73 && b.subarray(k, k + STORAGE.length).equals(STORAGE))) return true;
  }
  return false;
}

function decode(bytes: Uint8Array, index: number): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new IlogError('INVALID_ENTRY', `entry ${index} is not a JSON object; run \`ilog verify\``, { index });
}

const BATCH = 4096;

/**
 * Advances `machine` over the entries of `storage` — a ProvenLog wherever the
 * entries come from a store beside the log (src/log/proven-log.ts) — [machine.policy.size, storage.size()).
 * `onEvent` sees every event (the loop writes rejections, the proxy updates locks).
 */
export function advance(machine: PolicyMachine, storage: EntryReader, onEvent?: (e: GovernanceEvent) => void): number {
  const end = storage.size();
  let from = machine.policy.size;
  const start = from;
  while (from < end) {
    const batch = storage.readEntries(from, Math.min(end, from + BATCH));
    if (batch.length === 0) break;
    for (let k = 0; k < batch.length; k++) {
      const index = from + k;
      const bytes = batch[k]!;
      // Skipped entries still advance the machine, so indexes stay exact.
      const events = index === 0 || mayGovern(bytes) ? machine.apply(index, decode(bytes, index)) : machine.apply(index, SKIP);
      if (onEvent) for (const ev of events) onEvent(ev);
    }
    from += batch.length;
  }
  return from - start;
}

const SKIP: Record<string, unknown> = Object.freeze({ kind: '' }) as Record<string, unknown>;

/** Replays a whole stored log. */
export function replayStorage(storage: EntryReader): Policy {
  const m = new PolicyMachine();
  advance(m, storage);
  return m.policy;
}

// `<dir>/governance.json`: a copy of the running policy the server writes after
// every change, for tools that want the policy without replaying the log (the
// alert router, dashboards, operators). It is a cache, never a source: start-up
// and `ilog verify` compare it with the replay (store-check.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../storage/durable-file.js';
import type { Policy } from './policy.js';

export interface Snapshot {
  size: number;
  admins: { name: string; vkey: string }[];
  quorum: number;
  persons: { person: string; role: string; credential: string }[];
  purpose: { pattern: string; exempt: string[] } | null;
  locks: string[];
  lockdown: boolean;
}

export function snapshotOf(p: Policy): Snapshot {
  return {
    size: p.size,
    admins: p.admins.map((a) => ({ name: a.name, vkey: a.vkey })),
    quorum: p.quorum,
    persons: [...p.persons.values()].map((x) => ({ person: x.name, role: x.role, credential: x.credential })).sort((a, b) => a.person.localeCompare(b.person)),
    purpose: p.purpose?.value ?? null,
    locks: [...p.locks.keys()].sort(),
    lockdown: p.lockdown !== undefined,
  };
}

export function writeSnapshot(dir: string, p: Policy): void {
  writeFileDurable(join(dir, 'governance.json'), JSON.stringify(snapshotOf(p), null, 2) + '\n');
}

export function readSnapshot(dir: string): Snapshot | 'unreadable' | undefined {
  const path = join(dir, 'governance.json');
  if (!existsSync(path)) return undefined;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
    if (Number.isSafeInteger(s.size) && s.size >= 0) return s;
  } catch {
    // fall through: an unreadable snapshot is a discrepancy like any other
  }
  return 'unreadable';
}

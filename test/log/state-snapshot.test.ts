// Signed snapshots of derived state (src/log/state-snapshot.ts), on the proxy's
// person directory: a restart with a snapshot replays only the entries after
// it, and a tampered, misplaced or mismatched snapshot is refused and rebuilt.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReplayedDirectory, userAddedEntry, VerifierStore } from '../../src/capture/directory.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { signerFromKey, verifierFromKey } from '../../src/ledger/note.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { readLogSigner, readLogVkey } from '../../src/log/appender-files.js';
import { ProvenLog } from '../../src/log/proven-log.js';
import { loadSnapshot, replayFromSnapshot, saveSnapshot } from '../../src/log/state-snapshot.js';
import { GovernanceView } from '../../src/governance/view.js';
import { PolicyMachine } from '../../src/governance/machine.js';
import type { Policy } from '../../src/governance/policy.js';
import { advance, replayStorage } from '../../src/governance/replay.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { generateKey } from '../../src/ledger/note.js';

let dir: string;
let store: VerifierStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-snapshot-'));
});
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function addUsers(names: string[]): Promise<void> {
  const appender = await Appender.open(dir, { writerThread: false });
  try {
    for (const n of names) await appender.append(userAddedEntry(n, 'app_ro', makeVerifier(`${n}-pw`)));
    await appender.checkpoint();
  } finally {
    await appender.close();
  }
}

function restart(): { directory: ReplayedDirectory; from: number; applied: number; refused?: string } {
  const storage = SqliteLogStorage.open(dir, { readonly: true });
  try {
    const directory = new ReplayedDirectory(store);
    const r = replayFromSnapshot(dir, 'directory', directory, ProvenLog.forDir(dir, storage), storage, verifierFromKey(readLogVkey(dir)), readLogSigner(dir));
    return { directory, ...r };
  } finally {
    storage.close();
  }
}

describe('state snapshots bound to a signed checkpoint', () => {
  beforeEach(async () => {
    await initLog(dir, { origin: 'snap.example/log' });
    store = new VerifierStore(dir);
    for (const n of ['alice', 'bob', 'carol']) store.put(makeVerifier(`${n}-pw`));
    await addUsers(['alice', 'bob']);
  });

  it('replays only the entries after the snapshot on restart', async () => {
    const first = restart();
    expect(first.from).toBe(0);
    expect(first.directory.list().map((u) => u.person)).toEqual(['alice', 'bob']);
    const size = first.applied;
    await addUsers(['carol']);
    const second = restart();
    expect(second.refused).toBeUndefined();
    expect(second.from).toBe(size);
    expect(second.applied).toBeLessThan(size); // only the tail: carol and the checkpointing around her
    expect(second.directory.list().map((u) => u.person)).toEqual(['alice', 'bob', 'carol']);
  });

  it('refuses a tampered snapshot and rebuilds from entry 0', () => {
    restart();
    const path = join(dir, 'snapshots', 'directory.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as { state: [string, { role: string }][] };
    file.state.push(['mallory', { role: 'postgres', commitment: 'f'.repeat(64) } as never]);
    writeFileSync(path, JSON.stringify(file));
    const again = restart();
    expect(again.refused).toMatch(/seal does not match/);
    expect(again.from).toBe(0);
    expect(again.directory.has('mallory')).toBe(false);
    expect(existsSync(`${path}.refused`)).toBe(true);
  });

  it('refuses a snapshot sealed by another key, or bound to a checkpoint of a fork signed by the log key', async () => {
    const storage = SqliteLogStorage.open(dir, { readonly: true });
    const note = storage.latestCheckpoint()!;
    storage.close();
    const vkey = verifierFromKey(readLogVkey(dir));
    const other = generateKey('snap.example/log');
    saveSnapshot(dir, 'directory', note, vkey, signerFromKey(other.skey), [['mallory', { role: 'postgres', commitment: 'f'.repeat(64) }]]);
    const forged = restart();
    expect(forged.refused).toBeDefined();
    expect(forged.from).toBe(0);
    expect(forged.directory.has('mallory')).toBe(false);

    // A fork: the same log key signs a different history (a copy of the directory that took other entries).
    const fork = mkdtempSync(join(tmpdir(), 'ilog-snapshot-fork-'));
    try {
      cpSync(dir, fork, { recursive: true });
      rmSync(join(fork, 'snapshots'), { recursive: true, force: true });
      const a = await Appender.open(fork, { writerThread: false });
      await a.append(userAddedEntry('mallory', 'postgres', makeVerifier('m-pw')));
      await a.append(userAddedEntry('mallory2', 'postgres', makeVerifier('m-pw2')));
      const forkNote = await a.checkpoint();
      await a.close();
      await addUsers(['carol', 'carol', 'carol']); // this log grows past the fork's size
      saveSnapshot(dir, 'directory', forkNote, vkey, readLogSigner(dir), [['mallory', { role: 'postgres', commitment: 'f'.repeat(64) }]]);
      const forked2 = restart();
      expect(forked2.refused).toMatch(/^PROOF_INVALID|^BAD_PROOF|^INCONSISTENT|CONSISTENCY/i); // the log does not extend the fork's checkpoint
      expect(forked2.from).toBe(0);
      expect(forked2.directory.has('mallory')).toBe(false);
      expect(forked2.directory.list().map((u) => u.person)).toEqual(['alice', 'bob', 'carol']);
    } finally {
      rmSync(fork, { recursive: true, force: true });
    }
  });

  it('governance: the policy from a snapshot plus the tail equals a full replay; an edited policy is refused', async () => {
    const replayPolicy = (): { policy: Policy; from: number; refused?: string } => {
      const storage = SqliteLogStorage.open(dir, { readonly: true });
      try {
        const m = new PolicyMachine();
        const r = replayFromSnapshot(dir, 'governance', m, ProvenLog.forDir(dir, storage), storage, verifierFromKey(readLogVkey(dir)), readLogSigner(dir));
        return { policy: m.policy, ...r };
      } finally {
        storage.close();
      }
    };
    const full = (): Policy => {
      const storage = SqliteLogStorage.open(dir, { readonly: true });
      try {
        return replayStorage(ProvenLog.forDir(dir, storage));
      } finally {
        storage.close();
      }
    };
    expect(replayPolicy().from).toBe(0);
    await addUsers(['carol']);
    const restarted = replayPolicy();
    expect(restarted.from).toBeGreaterThan(0);
    expect(restarted.policy).toEqual(full());
    const path = join(dir, 'snapshots', 'governance.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as { state: { governed: boolean } };
    file.state.governed = !file.state.governed;
    writeFileSync(path, JSON.stringify(file));
    const tampered = replayPolicy();
    expect(tampered.refused).toMatch(/seal does not match/);
    expect(tampered.from).toBe(0);
    expect(tampered.policy).toEqual(full());
  });

  it('GovernanceView.open saves the policy snapshot, and the next open starts from it', async () => {
    const first = GovernanceView.open(dir);
    const size = first.policy.size;
    first.close();
    expect(existsSync(join(dir, 'snapshots', 'governance.json'))).toBe(true);
    await addUsers(['carol']);
    const reader = SqliteLogStorage.open(dir, { readonly: true });
    const read: number[] = [];
    const proven = ProvenLog.forDir(dir, reader);
    const counting = { size: () => proven.size(), readEntries: (a: number, b: number, l?: number) => (read.push(a), proven.readEntries(a, b, l)) };
    const m = new PolicyMachine();
    const snap = loadSnapshot<Policy>(dir, 'governance', reader, verifierFromKey(readLogVkey(dir)));
    expect(snap && 'state' in snap ? snap.size : undefined).toBe(size);
    if (snap && 'state' in snap) m.restore(snap.state);
    advance(m, counting);
    expect(Math.min(...read)).toBe(size); // only the tail is read
    const second = GovernanceView.open(dir);
    expect(second.policy).toEqual(m.policy);
    second.close();
    reader.close();
  });
});

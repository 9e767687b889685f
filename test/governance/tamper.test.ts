// An entry edited in log.db must not change what a replaying component believes:
// governance, `ilog policy check`, the proxy's directory replay and every
// Follower read only what the signed tree proves, and stop with evidence on a
// mismatch. Entries past the newest checkpoint are pending, not replayed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { act } from '../../src/governance/actions.js';
import { startGovernance } from '../../src/governance/service.js';
import { checkStoreAgainstPolicy } from '../../src/governance/store-check.js';
import { GovernanceView } from '../../src/governance/view.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { Follower } from '../../src/log/follower.js';
import { ProvenLog } from '../../src/log/proven-log.js';
import { replayOnce } from '../../src/capture/pg/replay.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { withDb } from '../verify/tamper.js';
import { codeOf } from '../helpers/codes.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir | undefined;
afterEach(() => g?.cleanup());

async function lockedBob(): Promise<{ g: GovDir; index: number }> {
  const d = await governedDir();
  const out = await act({ dir: d.dir }, d.admins[0]!, { kind: 'lock', person: 'bob', reason: 'suspicious-export' });
  expect(out.status).toBe('in-force');
  return { g: d, index: out.index };
}

/** Rewrites entry `index` in log.db, as root on the host could, without touching tiles or checkpoints. */
function editEntry(dir: string, index: number, from: string, to: string): void {
  withDb(dir, (db) => {
    const data = (db.prepare('SELECT data FROM entries WHERE idx = ?').pluck().get(index) as Buffer).toString('utf8');
    expect(data).toContain(from);
    db.prepare('UPDATE entries SET data = ? WHERE idx = ?').run(Buffer.from(data.replace(from, to)), index);
  });
}

describe('replays trust only what the signed tree proves', () => {
  it('the untouched log replays the lock', async () => {
    const r = await lockedBob();
    g = r.g;
    const view = GovernanceView.open(g.dir);
    expect(view.policy.locks.has('bob')).toBe(true);
    view.close();
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([]);
  });

  it('an edited lock.set stops governance, policy check and the proxy replay with the entry as evidence', async () => {
    const r = await lockedBob();
    g = r.g;
    editEntry(g.dir, r.index, 'suspicious-export', 'suspicious-exporT');
    rmSync(join(g.dir, 'governance.json'), { force: true });
    let err: unknown;
    try {
      GovernanceView.open(g.dir);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'TILE_MISMATCH', evidence: { index: r.index } });
    expect(codeOf(() => checkStoreAgainstPolicy(g!.dir))).toBe('TILE_MISMATCH');
    expect(codeOf(() => startGovernance(g!.dir))).toBe('TILE_MISMATCH');
    const storage = SqliteLogStorage.open(g.dir, { readonly: true });
    try {
      expect(codeOf(() => replayOnce(storage, [() => {}]))).toBe('TILE_MISMATCH');
      const follower = new Follower(storage, { pollMs: 5 });
      await expect((async () => {
        for await (const _ of follower) void _;
      })()).rejects.toMatchObject({ code: 'TILE_MISMATCH' });
    } finally {
      storage.close();
    }
  });

  it('an entry edited while governance follows the log stops it and refuses everyone (fail closed)', async () => {
    g = await governedDir();
    const gov = startGovernance(g.dir, { pollMs: 3_600_000, log: () => {} });
    try {
      expect(gov.locks.isLocked('carol')).toBeUndefined();
      const out = await act({ dir: g.dir }, g.admins[0]!, { kind: 'lock', person: 'bob', reason: 'later-edit' });
      editEntry(g.dir, out.index, 'later-edit', 'later-ediT');
      const ended: string[] = [];
      gov.locks.onLock((p) => ended.push(p));
      gov.view.poll();
      expect(gov.view.broken).toMatchObject({ code: 'TILE_MISMATCH', evidence: { index: out.index } });
      expect(gov.locks.isLocked('carol')).toMatchObject({ lockdown: true });
      expect(ended).toEqual(['*']);
    } finally {
      await gov.stop();
    }
  });

  it('entries past the newest signed checkpoint are pending: not replayed until signed', async () => {
    const r = await lockedBob();
    g = r.g;
    const writer = SqliteLogStorage.open(g.dir);
    // An unsigned lock.lifted appended behind the appender's back.
    writer.appendBatch([encodeEntry({ v: 1, kind: 'lock.lifted', time: new Date().toISOString(), person: 'bob' })]);
    const proven = ProvenLog.forDir(g.dir, writer);
    expect(proven.pending()).toBe(1);
    expect(proven.size()).toBe(writer.size() - 1);
    const view = GovernanceView.open(g.dir);
    expect(view.policy.size).toBe(writer.size() - 1);
    view.close();
    writer.close();
  });

  it('a checkpoint not signed by the log key is refused', async () => {
    const r = await lockedBob();
    g = r.g;
    const storage = SqliteLogStorage.open(g.dir);
    const size = storage.size();
    const forged = signNote(formatCheckpoint({ origin: g.origin, size: size + 1, root: storage.treeState().root, extensions: [] }), signerFromKey(generateKey(g.origin).skey));
    withDb(g.dir, (db) => db.prepare('INSERT INTO checkpoints (size, note, created) VALUES (?, ?, ?)').run(size + 1, forged, new Date().toISOString()));
    expect(codeOf(() => ProvenLog.forDir(g!.dir, storage).size())).toBe('BAD_CHECKPOINT');
    storage.close();
  });
});

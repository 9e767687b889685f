// The server's governance loop writes down what the log implies — refused
// attempts and proposals that ran out of time without their quorum — exactly
// once, and never makes a change itself.
import { afterEach, describe, expect, it } from 'vitest';
import { buildApproval, buildProposal } from '../../src/governance/build.js';
import { GovernanceLoop } from '../../src/governance/loop.js';
import { submit } from '../../src/governance/target.js';
import { GovernanceView } from '../../src/governance/view.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { adminKeys } from './harness.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir | undefined;
afterEach(() => g?.cleanup());

function kinds(dir: string): string[] {
  const s = SqliteLogStorage.open(dir, { readonly: true });
  try {
    return s.readEntries(0, s.size()).map((b) => (JSON.parse(Buffer.from(b).toString('utf8')) as { kind: string }).kind);
  } finally {
    s.close();
  }
}

describe('governance loop', () => {
  it('records a forged approval and a stranger\'s proposal once each, however often it runs', async () => {
    g = await governedDir();
    const [a, b] = g.admins;
    const [stranger] = adminKeys(1, 'stranger');
    const now = Date.now();
    const p = buildProposal({ origin: g.origin, epoch: 0, now, changes: [{ op: 'lockdown.lift', base: null }] }, a!);
    const forged = { ...buildApproval(g.origin, p.id, stranger!, now), signature: { signer: b!.vkey, sig: buildApproval(g.origin, p.id, stranger!, now).signature.sig } };
    const foreign = buildProposal({ origin: g.origin, epoch: 0, now, changes: [{ op: 'lockdown.lift', base: null }] }, stranger!);
    const [pi, fi, si] = await submit({ dir: g.dir }, [p, forged, foreign]);
    const view = GovernanceView.open(g.dir);
    const loop = new GovernanceLoop({ view, append: (es) => submit({ dir: g!.dir }, es), log: () => {} });
    for (let i = 0; i < 3; i++) await loop.step();
    expect(kinds(g.dir).filter((k) => k === 'governance.rejected')).toHaveLength(2);
    expect(view.policy.rejections.get(fi!)).toMatchObject({ reason: 'BAD_SIGNATURE', recordedAt: expect.any(Number) });
    expect(view.policy.rejections.get(si!)).toMatchObject({ reason: 'UNKNOWN_KEY', recordedAt: expect.any(Number) });
    expect(view.policy.proposals.get(p.id)!.state).toBe('pending');
    expect(view.policy.rejections.has(pi!)).toBe(false);
    // A restarted loop (fresh replay) finds everything recorded and writes nothing.
    const again = new GovernanceLoop({ view: GovernanceView.open(g.dir), append: (es) => submit({ dir: g!.dir }, es), log: () => {} });
    await again.step();
    expect(kinds(g.dir).filter((k) => k === 'governance.rejected')).toHaveLength(2);
    view.close();
  });

  it('records a proposal that expired without its quorum; a later approval cannot apply it', async () => {
    g = await governedDir();
    const [a, b] = g.admins;
    const now = Date.now();
    const p = buildProposal({ origin: g.origin, epoch: 0, now, ttlMs: 60_000, changes: [{ op: 'lockdown.lift', base: null }] }, a!);
    const [pi] = await submit({ dir: g.dir }, [p]);
    const clock = { now };
    const view = GovernanceView.open(g.dir);
    const loop = new GovernanceLoop({ view, append: (es) => submit({ dir: g!.dir }, es), now: () => clock.now, log: () => {} });
    await loop.step();
    expect(view.policy.rejections.has(pi!)).toBe(false);
    clock.now += 61_000;
    await loop.step();
    expect(view.policy.rejections.get(pi!)).toMatchObject({ reason: 'EXPIRED', recordedAt: expect.any(Number) });
    expect(view.policy.proposals.get(p.id)!.state).toBe('dead');
    const [late] = await submit({ dir: g.dir }, [buildApproval(g.origin, p.id, b!, clock.now)]);
    view.refresh();
    expect(view.policy.rejections.get(late!)).toMatchObject({ reason: 'EXPIRED' });
    view.close();
  });
});

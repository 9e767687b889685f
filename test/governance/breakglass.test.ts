// Break-glass through a real data directory and the server's governance loop,
// with an injected clock: granted at once, announced to every admin, and locked
// automatically unless the quorum ratifies it within its TTL.
import { afterEach, describe, expect, it } from 'vitest';
import { act, approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { GovernanceLoop, type BreakglassNotice } from '../../src/governance/loop.js';
import { GovernedLocks } from '../../src/governance/lock-state.js';
import { breakglassNotifier } from '../../src/server/breakglass-notifier.js';
import type { NotifyEvent } from '../../src/alert/notifier.js';
import { submit } from '../../src/governance/target.js';
import { GovernanceView } from '../../src/governance/view.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir | undefined;
afterEach(() => g?.cleanup());

async function withPersonAndLockdown(d: GovDir) {
  const [a, b] = d.admins;
  const add = await propose({ dir: d.dir }, a!, (p) => ({ changes: [buildChange('person.add', ['alice'], { role: 'app_ro', verifier: makeVerifier('pw') }, p).change], verifiers: [] }));
  await approve({ dir: d.dir }, b!, add.id!);
  await act({ dir: d.dir }, a!, { kind: 'lockdown', reason: 'incident 42' });
}

function loopAt(d: GovDir, clock: { now: number }, notices: BreakglassNotice[]) {
  const view = GovernanceView.open(d.dir);
  const loop = new GovernanceLoop({ view, append: (es) => submit({ dir: d.dir }, es), now: () => clock.now, notify: (n) => void notices.push(n), log: () => {} });
  return { view, loop, locks: new GovernedLocks(view.policy, () => clock.now) };
}

describe('break-glass', () => {
  it('lets a person through a lockdown at once, notifies every admin, and locks them when unratified', async () => {
    g = await governedDir();
    await withPersonAndLockdown(g);
    const clock = { now: Date.now() };
    const notices: BreakglassNotice[] = [];
    const { view, loop, locks } = loopAt(g, clock, notices);
    expect(locks.isLocked('alice')).toMatchObject({ lockdown: true });

    const req = await act({ dir: g.dir }, g.admins[2]!, { kind: 'breakglass', person: 'alice', reason: 'restore payroll', ttlSeconds: 600 });
    expect(req.status).toBe('in-force');
    await loop.step();
    expect(locks.isLocked('alice')).toBeUndefined();
    expect(locks.isLocked('bob')).toMatchObject({ lockdown: true });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.admins).toEqual(['admin1', 'admin2', 'admin3']);
    expect(view.policy.grants.get(req.index)!.notified).toBeGreaterThan(req.index);
    // Through the alert area's Notifier: one high-severity alert about alice, keyed by the grant.
    const raised: NotifyEvent[] = [];
    await breakglassNotifier({ notify: async (e) => (raised.push(e), raised.length) }, g.origin)(notices[0]!);
    expect(raised).toEqual([expect.objectContaining({ id: `breakglass:${g.origin}:${req.index}`, kind: 'breakglass', subject: 'alice', severity: 'high', entries: [req.index] })]);

    // Just before the TTL nothing happens; once it has passed the loop locks alice.
    clock.now += 599_000;
    await loop.step();
    expect(view.policy.locks.has('alice')).toBe(false);
    clock.now += 2_000;
    await loop.step();
    const lock = view.policy.locks.get('alice');
    expect(lock).toMatchObject({ grant: req.index, madeBy: { approvers: [] } });
    expect(locks.isLocked('alice')).toMatchObject({ index: lock!.madeBy.index });
    // Idempotent: more steps write nothing new.
    const size = view.policy.size;
    await loop.step();
    await loop.step();
    expect(view.policy.size).toBe(size);
    expect(notices).toHaveLength(1);
    view.close();
  });

  it('a grant ratified by the quorum within its TTL does not lock the person', async () => {
    g = await governedDir();
    await withPersonAndLockdown(g);
    const clock = { now: Date.now() };
    const { view, loop } = loopAt(g, clock, []);
    const req = await act({ dir: g.dir }, g.admins[0]!, { kind: 'breakglass', person: 'alice', reason: 'restore payroll', ttlSeconds: 600 });
    const ratify = await propose({ dir: g.dir }, g.admins[1]!, (p) => ({ changes: [buildChange('breakglass.ratify', [String(req.index)], {}, p).change], verifiers: [] }));
    expect(ratify.status).toBe('pending');
    expect((await approve({ dir: g.dir }, g.admins[2]!, ratify.id!)).status).toBe('applied');
    clock.now += 3_600_000;
    await loop.step();
    expect(view.policy.locks.has('alice')).toBe(false);
    expect(view.policy.grants.get(req.index)!.ratified?.approvers).toEqual(['admin2', 'admin3']);
    view.close();
  });

  it('a server-written expiry before the TTL is refused and recorded', async () => {
    g = await governedDir();
    await withPersonAndLockdown(g);
    const req = await act({ dir: g.dir }, g.admins[0]!, { kind: 'breakglass', person: 'alice', reason: 'x', ttlSeconds: 600 });
    const [bad] = await submit({ dir: g.dir }, [{ v: 1, kind: 'breakglass.expired', time: new Date().toISOString(), grant: req.index, person: 'alice' }]);
    const { view, loop } = loopAt(g, { now: Date.now() }, []);
    await loop.step();
    expect(view.policy.locks.has('alice')).toBe(false);
    expect(view.policy.rejections.get(bad!)).toMatchObject({ reason: 'TOO_EARLY' });
    expect(view.policy.rejections.get(bad!)!.recordedAt).toBeGreaterThan(bad!);
    view.close();
  });
});

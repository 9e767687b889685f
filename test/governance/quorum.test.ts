// A 2-of-3 governed log: no admin alone can change anything in the fail-open
// direction; approvals cannot be replayed across proposals or logs; rotation
// makes the old key worthless.
import { describe, expect, it } from 'vitest';
import { buildApproval, buildBreakglassRequest, buildLock } from '../../src/governance/build.js';
import { sign } from '../../src/governance/signing.js';
import { GovLog, adminKeys, rejectionOf } from './harness.js';

const ORIGIN = 'example.com/ilog/test';

function setup() {
  const [a, b, c] = adminKeys(3);
  return { log: new GovLog(ORIGIN, [a!, b!, c!], 2), a: a!, b: b!, c: c! };
}

describe('2-of-3 quorum', () => {
  it('one admin alone cannot add a person; the second approval applies it', () => {
    const { log, a, b } = setup();
    const p = log.propose(a, [log.addPerson('alice')]);
    expect(p.events).toEqual([]);
    expect(log.policy.persons.has('alice')).toBe(false);
    const ap = log.approve(b, p.entry.id);
    expect(ap.events[0]).toMatchObject({ type: 'applied', proposal: p.index });
    const alice = log.policy.persons.get('alice')!;
    expect(alice.madeBy).toMatchObject({ index: ap.index, proposal: p.index, approvers: ['admin1', 'admin2'] });
  });

  it('the same admin approving twice counts once', () => {
    const { log, a } = setup();
    const p = log.propose(a, [log.addPerson('alice')]);
    expect(rejectionOf(log.approve(a, p.entry.id).events)).toBe('DUPLICATE_APPROVAL');
    expect(log.policy.persons.size).toBe(0);
  });

  it('one admin alone cannot change the quorum', () => {
    const { log, a } = setup();
    const admins = log.policy.admins;
    log.propose(a, [{ op: 'admins.set', admins, quorum: 1, base: log.base('admins') }]);
    expect(log.policy.quorum).toBe(2);
  });

  it('one admin can lock; unlocking needs the quorum', () => {
    const { log, a, b } = setup();
    const locked = log.add(buildLock(ORIGIN, 'mallory', 'exfiltration suspected', a, log.now));
    expect(locked.events).toEqual([{ type: 'locked', index: locked.index, person: 'mallory' }]);
    expect(log.policy.locks.get('mallory')?.madeBy.approvers).toEqual(['admin1']);
    // An unsigned lift (the proxy's simple form) is refused.
    expect(rejectionOf(log.add({ v: 1, kind: 'lock.lifted', time: new Date(log.now).toISOString(), person: 'mallory' }).events)).toBe('INSUFFICIENT');
    const lift = log.propose(b, [{ op: 'lock.lift', person: 'mallory', base: log.base('lock:mallory') }]);
    expect(log.policy.locks.has('mallory')).toBe(true);
    log.approve(a, lift.entry.id);
    expect(log.policy.locks.has('mallory')).toBe(false);
  });

  it('an unsigned lock does not count once governance is on', () => {
    const { log } = setup();
    const r = log.add({ v: 1, kind: 'lock.set', time: new Date(log.now).toISOString(), person: 'bob', reason: 'x' });
    expect(rejectionOf(r.events)).toBe('UNSIGNED');
    expect(log.policy.locks.size).toBe(0);
  });

  it('an approval replayed onto another proposal is rejected', () => {
    const { log, a, b } = setup();
    const p1 = log.propose(a, [log.addPerson('alice')]);
    const p2 = log.propose(a, [log.addPerson('bob')]);
    const genuine = buildApproval(ORIGIN, p1.entry.id, b, log.now);
    const replayed = { ...genuine, proposal: p2.entry.id };
    expect(rejectionOf(log.add(replayed).events)).toBe('BAD_SIGNATURE');
    expect(log.policy.persons.has('bob')).toBe(false);
  });

  it('an approval or proposal from another log is rejected', () => {
    const { log, a, b, c } = setup();
    const other = new GovLog('other.example/ilog', [a, b, c], 2);
    const p = log.propose(a, [log.addPerson('alice')]);
    // b approved the same-looking proposal in the other log: that signature binds the other origin.
    const foreign = buildApproval('other.example/ilog', p.entry.id, b, log.now);
    expect(rejectionOf(log.add(foreign).events)).toBe('WRONG_ORIGIN');
    expect(rejectionOf(log.add({ ...foreign, origin: ORIGIN }).events)).toBe('BAD_SIGNATURE');
    const op = other.propose(a, [other.addPerson('eve')]);
    expect(rejectionOf(log.add(op.entry).events)).toBe('WRONG_ORIGIN');
    expect(log.policy.persons.size).toBe(0);
  });

  it('a proposal entry logged twice is a replay', () => {
    const { log, a } = setup();
    const p = log.propose(a, [log.addPerson('alice')]);
    expect(rejectionOf(log.add(p.entry).events)).toBe('REPLAYED');
  });

  it('signatures by unknown keys and forged signatures count for nothing', () => {
    const { log, a } = setup();
    const [stranger] = adminKeys(1, 'stranger');
    const p = log.propose(a, [log.addPerson('alice')]);
    expect(rejectionOf(log.approve(stranger!, p.entry.id).events)).toBe('UNKNOWN_KEY');
    const admin2 = log.admins[1]!;
    const forged = { ...buildApproval(ORIGIN, p.entry.id, stranger!, log.now), signature: { signer: admin2.vkey, sig: sign(stranger!, ORIGIN, p.entry.id).sig } };
    expect(rejectionOf(log.add(forged).events)).toBe('BAD_SIGNATURE');
    expect(log.policy.persons.size).toBe(0);
  });

  it('an expired proposal cannot be applied', () => {
    const { log, a, b } = setup();
    const p = log.propose(a, [log.addPerson('alice')], 60_000);
    log.tick(61_000);
    expect(rejectionOf(log.approve(b, p.entry.id).events)).toBe('EXPIRED');
    expect(log.policy.persons.size).toBe(0);
  });

  it('a proposal overtaken by another one touching the same item cannot be applied', () => {
    const { log, a, b, c } = setup();
    const older = log.propose(a, [log.addPerson('alice', 'app_ro')]);
    const newer = log.propose(b, [log.addPerson('alice', 'app_rw')]);
    log.approve(c, newer.entry.id);
    expect(log.policy.persons.get('alice')?.role).toBe('app_rw');
    expect(rejectionOf(log.approve(c, older.entry.id).events)).toBe('SUPERSEDED');
    expect(log.policy.persons.get('alice')?.role).toBe('app_rw');
  });

  it('the quorum rotates an admin key; the old key then counts for nothing', () => {
    const { log, a, b, c } = setup();
    const [c2] = adminKeys(1, 'admin3-new');
    const admins = [a, b, c2!].map((k) => ({ name: k.name, vkey: k.vkey }));
    const pending = log.propose(c, [log.addPerson('alice')]);
    const rot = log.propose(a, [{ op: 'admins.set', admins, quorum: 2, base: log.base('admins') }]);
    log.approve(b, rot.entry.id);
    expect(log.policy.admins.map((x) => x.name)).toEqual(['admin1', 'admin2', 'admin3-new1']);
    // Proposals made under the old admin set die with it.
    expect(rejectionOf(log.approve(a, pending.entry.id).events)).toBe('ADMINS_CHANGED');
    const p = log.propose(a, [log.addPerson('bob')]);
    expect(rejectionOf(log.approve(c, p.entry.id).events)).toBe('UNKNOWN_KEY');
    expect(log.policy.persons.has('bob')).toBe(false);
    expect(rejectionOf(log.add(buildLock(ORIGIN, 'bob', 'old key', c, log.now)).events)).toBe('UNKNOWN_KEY');
    log.approve(c2!, p.entry.id);
    expect(log.policy.persons.has('bob')).toBe(true);
  });

  it('a refused entry dated far in the future does not move the governance clock', () => {
    const { log, a, b } = setup();
    const [stranger] = adminKeys(1, 'stranger');
    const p = log.propose(a, [log.addPerson('alice')]);
    const future = { ...buildApproval(ORIGIN, p.entry.id, stranger!, log.now), time: '2099-01-01T00:00:00.000Z' };
    expect(rejectionOf(log.add(future).events)).toBe('UNKNOWN_KEY');
    expect(log.approve(b, p.entry.id).events[0]).toMatchObject({ type: 'applied' });
  });

  it('a malformed governance entry gets into the log but counts for nothing, with its reason', () => {
    const { log } = setup();
    const r = log.add({ v: 1, kind: 'governance.proposal', time: new Date(log.now).toISOString(), origin: ORIGIN, changes: [] });
    expect(rejectionOf(r.events)).toBe('INVALID');
    expect(log.policy.rejections.get(r.index)?.detail).toMatch(/\w/);
  });

  it('break-glass is requested with the person\'s own key (or an admin\'s), never a stranger\'s, and never through a lock', () => {
    const { log, a, b } = setup();
    const [dave, stranger] = adminKeys(2, 'person');
    const p = log.propose(a, [log.addPerson('dave', 'app_ro', dave!.vkey)]);
    log.approve(b, p.entry.id);
    expect(rejectionOf(log.add(buildBreakglassRequest(ORIGIN, 'dave', 'x', 600, stranger!, log.now)).events)).toBe('UNKNOWN_KEY');
    const ok = log.add(buildBreakglassRequest(ORIGIN, 'dave', 'restore payroll', 600, dave!, log.now));
    expect(ok.events[0]).toMatchObject({ type: 'breakglass', grant: { person: 'dave', requestedBy: 'dave' } });
    // dave's key is no admin key: it cannot approve anything.
    expect(rejectionOf(log.approve(dave!, p.entry.id).events)).toBe('UNKNOWN_KEY');
    log.add(buildLock(ORIGIN, 'dave', 'suspicious', a, log.now));
    expect(rejectionOf(log.add(buildBreakglassRequest(ORIGIN, 'dave', 'again', 600, dave!, log.now)).events)).toBe('NOT_APPLICABLE');
  });

  it('user.* entries written behind governance are refused', () => {
    const { log } = setup();
    const r = log.add({ v: 1, kind: 'user.added', time: new Date(log.now).toISOString(), person: 'eve' });
    expect(rejectionOf(r.events)).toBe('UNSIGNED');
    expect(log.policy.persons.size).toBe(0);
  });
});

// No hidden admin powers in replay: a credential commitment already held by one
// person cannot be given to another (it is public in the log: the new person
// would log in with the first one's password), and a second genesis changes nothing.
import { describe, expect, it } from 'vitest';
import { ReplayedDirectory, VerifierStore, userAddedEntry } from '../../src/capture/directory.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GovLog, adminKeys, rejectionOf } from './harness.js';

describe('authority in replay', () => {
  it("a proposal giving ghost alice's credential is refused, even with the quorum", () => {
    const [a] = adminKeys(1);
    const log = new GovLog('example.com/ilog/authority', [a!], 1);
    const alice = log.addPerson('alice');
    log.propose(a!, [alice]);
    expect(log.policy.persons.has('alice')).toBe(true);
    const credential = (alice as { credential: string }).credential;
    const ghost = { ...log.addPerson('ghost'), credential };
    const p = log.propose(a!, [ghost]);
    expect(rejectionOf(p.events)).toBe('NOT_APPLICABLE');
    expect(log.policy.persons.has('ghost')).toBe(false);
    // And the same through person.credential for an existing person.
    log.propose(a!, [log.addPerson('bob')]);
    const steal = log.propose(a!, [{ op: 'person.credential', person: 'bob', credential, base: log.base('person:bob') }]);
    expect(rejectionOf(steal.events)).toBe('NOT_APPLICABLE');
  });

  it('a second genesis is refused and changes neither admins nor quorum', () => {
    const [a, b] = adminKeys(2);
    const log = new GovLog('example.com/ilog/authority', [a!], 1);
    const second = log.add({ v: 1, kind: 'genesis', time: new Date(log.now).toISOString(), origin: 'example.com/ilog/authority', admins: [{ name: b!.name, vkey: b!.vkey }], quorum: 1 });
    expect(rejectionOf(second.events)).toBe('INVALID');
    expect(log.policy.admins.map((x) => x.vkey)).toEqual([a!.vkey]);
  });

  it('the simple directory ignores a user.added naming a commitment another person holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-authority-'));
    const store = new VerifierStore(dir);
    try {
      const verifier = makeVerifier('alice-password');
      store.put(verifier);
      const d = new ReplayedDirectory(store);
      d.apply(1, userAddedEntry('alice', 'app_ro', verifier) as Record<string, unknown>);
      d.apply(2, userAddedEntry('ghost', 'postgres', verifier) as Record<string, unknown>);
      expect(d.lookup('alice')).toMatchObject({ role: 'app_ro' });
      expect(d.lookup('ghost')).toBeUndefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reviewer key is registered only by the quorum: a proposal signed by a non-admin key adds no reviewer', async () => {
    const [a] = adminKeys(1);
    const [mallory] = adminKeys(1, 'mallory');
    const log = new GovLog('example.com/ilog/authority', [a!], 1);
    const { generateReviewerKey } = await import('../../src/alert/reviewer-key.js');
    const { reviewerKeyAt } = await import('../../src/governance/policy.js');
    const k1 = await generateReviewerKey('dana');
    const change = (k: { vkey: string; recipient: string }) => ({ op: 'reviewer.key' as const, reviewer: 'dana', vkey: k.vkey, recipient: k.recipient, base: log.base('reviewer:dana') });
    const forged = log.propose(mallory!, [change(k1)]);
    expect(rejectionOf(forged.events)).toBeDefined();
    expect(log.policy.reviewers.has('dana')).toBe(false);
    const first = log.propose(a!, [change(k1)]);
    expect(log.policy.reviewers.get('dana')).toMatchObject({ vkey: k1.vkey, recipient: k1.recipient });
    const k2 = await generateReviewerKey('dana');
    const second = log.propose(a!, [change(k2)]);
    // A review is checked against the key in force at its index: registered strictly before it.
    expect(reviewerKeyAt(log.policy, 'dana', first.index)).toBeUndefined();
    expect(reviewerKeyAt(log.policy, 'dana', first.index + 1)?.vkey).toBe(k1.vkey);
    expect(reviewerKeyAt(log.policy, 'dana', second.index)?.vkey).toBe(k1.vkey);
    expect(reviewerKeyAt(log.policy, 'dana', second.index + 1)?.vkey).toBe(k2.vkey);
    expect(log.policy.reviewers.get('dana')?.vkey).toBe(k2.vkey);
  });
});

// The proxy's UserDirectory as a replay of governance, with credential resets
// whose entries hold only a commitment: the new verifier is served only once
// the quorum approved it, the old one stops being served, and the store
// refuses verifiers the log does not commit to.
import { afterEach, describe, expect, it } from 'vitest';
import { VerifierStore } from '../../src/capture/directory.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { approve, deliverVerifiers, propose } from '../../src/governance/actions.js';
import { buildChange, type ChangeOptions } from '../../src/governance/change-args.js';
import { commitment } from '../../src/governance/credential.js';
import { GovernedDirectory } from '../../src/governance/directory.js';
import { checkStoreAgainstPolicy } from '../../src/governance/store-check.js';
import { GovernanceView } from '../../src/governance/view.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir | undefined;
afterEach(() => g?.cleanup());

async function change(d: GovDir, op: string, args: string[], o: ChangeOptions, deliver = true) {
  const p = await propose({ dir: d.dir }, d.admins[0]!, (pol) => {
    const b = buildChange(op, args, o, pol);
    return { changes: [b.change], verifiers: deliver && b.verifier ? [b.verifier] : [] };
  });
  return { proposal: p, approve: () => approve({ dir: d.dir }, d.admins[1]!, p.id!) };
}

describe('governed user directory', () => {
  it('serves a reset credential only after the quorum approved it', async () => {
    g = await governedDir();
    const v1 = makeVerifier('first-password');
    const v2 = makeVerifier('second-password');
    await (await change(g, 'person.add', ['alice'], { role: 'app_ro', verifier: v1 })).approve();
    const view = GovernanceView.open(g.dir);
    const store = new VerifierStore(g.dir);
    const dir = new GovernedDirectory(view.policy, store);
    expect(dir.lookup('alice')).toEqual({ person: 'alice', role: 'app_ro', verifier: v1 });

    const reset = await change(g, 'person.credential', ['alice'], { verifier: v2 });
    view.refresh();
    expect(store.get(commitment(v2))).toBe(v2); // delivered by `propose` once the proposal was logged
    expect(dir.lookup('alice')?.verifier).toBe(v1); // delivered, but not yet approved
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([]); // the log commits to it: no discrepancy
    await reset.approve();
    view.refresh();
    expect(dir.lookup('alice')?.verifier).toBe(v2);

    await (await change(g, 'person.update', ['alice'], { role: 'app_rw' })).approve();
    view.refresh();
    expect(dir.lookup('alice')).toMatchObject({ role: 'app_rw', verifier: v2 });
    await (await change(g, 'person.remove', ['alice'], {})).approve();
    view.refresh();
    expect(dir.lookup('alice')).toBeUndefined();
    expect(dir.list()).toEqual([]);
    store.close();
    view.close();
  });

  it('refuses to deliver a verifier no proposal commits to', async () => {
    g = await governedDir();
    const view = GovernanceView.open(g.dir);
    expect(() => deliverVerifiers(g!.dir, [makeVerifier('x')], view.policy)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_MISMATCH' }));
    view.close();
  });
});

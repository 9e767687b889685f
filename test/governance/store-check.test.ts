// Stores edited behind the log's back are found by checkStoreAgainstPolicy and
// the service refuses to start on them.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VerifierStore } from '../../src/capture/directory.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { startGovernance } from '../../src/governance/service.js';
import { writeSnapshot } from '../../src/governance/snapshot.js';
import { checkStoreAgainstPolicy } from '../../src/governance/store-check.js';
import { GovernanceView } from '../../src/governance/view.js';
import { governedDir, type GovDir } from './fixture.js';
import { codeOf } from '../helpers/codes.js';

let g: GovDir | undefined;
afterEach(() => g?.cleanup());

async function withAlice(): Promise<GovDir> {
  const d = await governedDir();
  const verifier = makeVerifier('alice-pw');
  const p = await propose({ dir: d.dir }, d.admins[0]!, (pol) => {
    const b = buildChange('person.add', ['alice'], { role: 'app_ro', verifier }, pol);
    return { changes: [b.change], verifiers: [b.verifier!] };
  });
  await approve({ dir: d.dir }, d.admins[1]!, p.id!);
  return d;
}


describe('store edited behind the log', () => {
  it('an untouched store agrees, and the governed directory serves the approved person', async () => {
    g = await withAlice();
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([]);
    const gov = startGovernance(g.dir);
    expect(gov.directory.lookup('alice')).toMatchObject({ role: 'app_ro' });
    await gov.stop();
  });

  it('a person added directly in proxy.db is detected and the service refuses to start', async () => {
    g = await withAlice();
    const store = new VerifierStore(g.dir);
    store.put(makeVerifier('eve-pw'));
    store.close();
    const found = checkStoreAgainstPolicy(g.dir);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ store: 'proxy.db', found: 'not in the log' });
    expect(codeOf(() => startGovernance(g!.dir))).toBe('STORE_DIVERGES');
  });

  it('a verifier swapped under an approved commitment is detected', async () => {
    g = await withAlice();
    const db = new Database(join(g.dir, 'proxy.db'));
    db.prepare('UPDATE verifiers SET verifier = ?').run(makeVerifier('attacker-pw'));
    db.close();
    expect(checkStoreAgainstPolicy(g.dir)[0]).toMatchObject({ store: 'proxy.db' });
  });

  it('a quorum changed in config.json or in the governance.json cache is detected', async () => {
    g = await withAlice();
    const view = GovernanceView.open(g.dir);
    writeSnapshot(g.dir, view.policy);
    view.close();
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([]);
    const snapPath = join(g.dir, 'governance.json');
    const snap = JSON.parse(readFileSync(snapPath, 'utf8')) as { quorum: number };
    writeFileSync(snapPath, JSON.stringify({ ...snap, quorum: 1 }));
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([{ store: 'governance.json', item: 'quorum', expected: 2, found: 1 }]);
    writeFileSync(snapPath, JSON.stringify(snap));
    const cfgPath = join(g.dir, 'config.json');
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), quorum: 1 }));
    expect(checkStoreAgainstPolicy(g.dir)).toEqual([{ store: 'config.json', item: 'quorum', expected: 2, found: 1 }]);
    expect(codeOf(() => startGovernance(g!.dir))).toBe('STORE_DIVERGES');
  });
});

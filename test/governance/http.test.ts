// Proposals and approvals through a running log service (`POST /add`, policy
// replayed from the public C2SP read API) instead of the data directory.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { loadPolicyMachine } from '../../src/governance/target.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { startServe, type ServeHandle } from '../helpers/cli.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir;
let server: ServeHandle;
beforeAll(async () => {
  g = await governedDir();
  server = await startServe({ dir: g.dir, timeoutMs: 120_000 });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  g?.cleanup();
});

describe('governance over HTTP', () => {
  it('a 2-of-3 change submitted with --url applies once the second approval is published', { timeout: 120_000 }, async () => {
    // Only the token and the URL: nothing else of the data directory is used.
    const target = { dir: '/nonexistent', url: server.url, token: readFileSync(`${g.dir}/token`, 'utf8').trim() };
    const p = await propose(target, g.admins[0]!, (pol) => ({ changes: [buildChange('person.add', ['carol'], { role: 'app_ro', verifier: makeVerifier('pw') }, pol).change], verifiers: [] }));
    expect(p).toMatchObject({ status: 'pending', approvals: 1, quorum: 2 });
    const a = await approve(target, g.admins[2]!, p.id!);
    expect(a).toMatchObject({ status: 'applied', approvals: 2 });
    const policy = (await loadPolicyMachine({ dir: '/nonexistent', url: server.url })).policy;
    expect(policy.persons.get('carol')?.madeBy).toMatchObject({ proposal: p.index, approvers: ['admin1', 'admin3'] });
  });
});

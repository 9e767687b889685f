// Proposals and approvals through a running log service (`POST /add`, policy
// replayed from the public C2SP read API) instead of the data directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { parseNote } from '../../src/ledger/note.js';
import { buildLock } from '../../src/governance/build.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { loadPolicyMachine, submit } from '../../src/governance/target.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { jsonOf, runCli, startServe, type ServeHandle } from '../helpers/cli.js';
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

  it('`ilog lock --url` returns once a signed checkpoint covers the lock (POST /add?wait=integrated), its proof checked', { timeout: 120_000 }, async () => {
    const token = readFileSync(`${g.dir}/token`, 'utf8').trim();
    const away = mkdtempSync(join(tmpdir(), 'ilog-remote-admin-')); // an admin's host: no copy of the log
    try {
      const r = await runCli(['lock', 'dora', '--url', server.url, '--token', token, '--key', g.keyFiles[0]!, '--reason', 'left', '--dir', away, '--json'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const out = jsonOf(r);
      expect(out).toMatchObject({ person: 'dora', status: 'in-force' });
      // The checkpoint the service serves at the moment the command returned already covers the lock.
      const note = await (await fetch(`${server.url}/checkpoint`)).text();
      expect(parseCheckpoint(parseNote(note).text).size).toBeGreaterThan(out.index as number);
      // And without the command's replay in between: submit alone returns only once it is covered.
      const [index] = await submit({ dir: away, url: server.url, token }, [buildLock(g.origin, 'dora2', 'left', g.admins[0]!, Date.now())]);
      const after = await (await fetch(`${server.url}/checkpoint`)).text();
      expect(parseCheckpoint(parseNote(after).text).size).toBeGreaterThan(index!);
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });
});

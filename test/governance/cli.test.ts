// The governance commands as an admin runs them: a 2-of-3 change through
// `ilog propose` / `ilog approve`, `ilog policy show` naming who approved it,
// a refused double approval, and a one-admin lockdown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runCli } from '../helpers/cli.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir;
beforeAll(async () => {
  g = await governedDir();
});
afterAll(() => g.cleanup());

describe('ilog propose / approve / policy / lockdown', () => {
  // Each CLI run is a fresh `node --import tsx` process: allow for a loaded machine.
  it('runs a 2-of-3 change end to end and shows its provenance', { timeout: 240_000 }, async () => {
    const p = await runCli(['propose', 'person.add', 'alice', '--role', 'app_ro', '--password-stdin', '--key', g.keyFiles[0]!, '--comment', 'new analyst', '--json'], {
      dir: g.dir,
      input: 'correct horse\n',
    });
    expect(p.code, p.stderr).toBe(0);
    const proposal = jsonOf(p);
    expect(proposal).toMatchObject({ ok: true, status: 'pending', approvals: 1, quorum: 2 });

    const twice = await runCli(['approve', proposal.id, '--key', g.keyFiles[0]!, '--json'], { dir: g.dir });
    expect(twice.code).toBe(1);
    expect(jsonOf(twice).error).toMatchObject({ code: 'GOVERNANCE_REJECTED', evidence: { reason: 'DUPLICATE_APPROVAL' } });

    const ok = await runCli(['approve', proposal.id, '--key', g.keyFiles[1]!, '--json'], { dir: g.dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ status: 'applied', approvals: 2 });

    const show = jsonOf(await runCli(['policy', 'show', '--json'], { dir: g.dir })).policy;
    expect(show.persons).toEqual([
      expect.objectContaining({ name: 'alice', role: 'app_ro', madeBy: expect.objectContaining({ proposal: proposal.index, approvers: ['admin1', 'admin2'] }) }),
    ]);
    // The refused double approval is on record in the log.
    expect(show.rejections).toEqual([expect.objectContaining({ reason: 'DUPLICATE_APPROVAL', recordedAt: expect.any(Number) })]);
    // The verifier went to proxy.db and the log commits to it.
    expect((await runCli(['policy', 'check', '--json'], { dir: g.dir })).code).toBe(0);
  });

  it('one admin declares a lockdown; lifting it waits for the quorum', { timeout: 240_000 }, async () => {
    const down = await runCli(['lockdown', '--reason', 'credential leak', '--key', g.keyFiles[2]!, '--json'], { dir: g.dir });
    expect(down.code, down.stderr).toBe(0);
    expect(jsonOf(down)).toMatchObject({ status: 'in-force' });
    const lift = jsonOf(await runCli(['lockdown', '--lift', '--key', g.keyFiles[2]!, '--json'], { dir: g.dir }));
    expect(lift).toMatchObject({ status: 'pending' });
    const show = jsonOf(await runCli(['policy', 'show', '--json'], { dir: g.dir })).policy;
    expect(show.lockdown).toMatchObject({ reason: 'credential leak', madeBy: { approvers: ['admin3'] } });
  });
});

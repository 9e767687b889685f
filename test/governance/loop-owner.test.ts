// One owner of the governance loop per data directory (issue #12): `ilog serve`
// and `ilog proxy` both start governance with an appender, and each used to run
// the loop, so every break-glass notice went out twice. Two services on one
// directory here, as the two processes would have them; then the owner goes
// away (stopped, or killed -9 in another process) and the other takes over.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { act, approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import type { BreakglassNotice } from '../../src/governance/loop.js';
import { LoopLease } from '../../src/governance/loop-lease.js';
import { startGovernance, type RunningGovernance } from '../../src/governance/service.js';
import { submit } from '../../src/governance/target.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { governedDir, type GovDir } from './fixture.js';

let g: GovDir | undefined;
const running: RunningGovernance[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  g?.cleanup();
});

function kindsIn(dir: string): string[] {
  const s = SqliteLogStorage.open(dir);
  try {
    return s.readEntries(0, s.size()).map((b) => (JSON.parse(Buffer.from(b).toString('utf8')) as { kind: string }).kind);
  } finally {
    s.close();
  }
}

function service(dir: string, notices: BreakglassNotice[]): RunningGovernance {
  const r = startGovernance(dir, { append: (es) => submit({ dir }, es), notify: (n) => void notices.push(n), log: () => {}, pollMs: 20 });
  running.push(r);
  return r;
}

async function grantBreakglass(d: GovDir, person: string): Promise<number> {
  const [a, b, c] = d.admins;
  const add = await propose({ dir: d.dir }, a!, (p) => ({ changes: [buildChange('person.add', [person], { role: 'app_ro', verifier: makeVerifier(`${person}-pw`) }, p).change], verifiers: [] }));
  await approve({ dir: d.dir }, b!, add.id!);
  return (await act({ dir: d.dir }, c!, { kind: 'breakglass', person, reason: 'restore payroll', ttlSeconds: 600 })).index;
}

describe('the governance loop has one owner per data directory', () => {
  it('two services on one directory announce a break-glass grant once; the other takes over when the owner stops', async () => {
    g = await governedDir();
    const first: BreakglassNotice[] = [];
    const second: BreakglassNotice[] = [];
    const a = service(g.dir, first);
    const b = service(g.dir, second);
    await act({ dir: g.dir }, g.admins[0]!, { kind: 'lockdown', reason: 'incident 42' });
    const grant = await grantBreakglass(g, 'alice');
    for (let i = 0; i < 5; i++) await Promise.all([a.loop!.step(), b.loop!.step()]);
    expect(first.length + second.length).toBe(1);
    expect(kindsIn(g.dir).filter((k) => k === 'governance.notice')).toHaveLength(1);
    const owner = first.length === 1 ? a : b;
    const other = owner === a ? second : first;
    expect((owner === a ? first : second)[0]!.grant.index).toBe(grant);

    await owner.stop();
    running.splice(running.indexOf(owner), 1);
    const grant2 = await grantBreakglass(g, 'bob');
    await (owner === a ? b : a).loop!.step();
    expect(other.map((n) => n.grant.index)).toEqual([grant2]);
    expect(kindsIn(g.dir).filter((k) => k === 'governance.notice')).toHaveLength(2);
  });

  it('a lease held by a process killed with -9 is free again', async () => {
    g = await governedDir();
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { LoopLease } = await import(${JSON.stringify(join(REPO_ROOT, 'src/governance/loop-lease.ts'))});
      const lease = new LoopLease(process.env.DIR);
      process.stdout.write(lease.tryHold() ? 'held\\n' : 'busy\\n');
      setInterval(() => {}, 1000);
    `], { cwd: REPO_ROOT, env: { ...process.env, DIR: g.dir }, stdio: ['ignore', 'pipe', 'inherit'] });
    const said = await new Promise<string>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(said).toBe('held');
    const lease = new LoopLease(g.dir);
    expect(lease.tryHold()).toBe(false);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('close', r));
    expect(lease.tryHold()).toBe(true);
    lease.release();
  });
});

// The governance wiring in the other areas' commands: `ilog init --admin …
// --quorum M` (genesis ceremony), `ilog lock --key` (one signature) and `ilog
// unlock` (a quorum proposal), `ilog user add` refused on a governed log, and
// `ilog verify` refusing a store edited behind the log's back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerifierStore } from '../../src/capture/directory.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { generateKey } from '../../src/ledger/note.js';
import { jsonOf, runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'ilog-gov-int-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('governance wired into init, lock, user and verify', () => {
  it('runs the genesis ceremony and the governed forms of the other commands', { timeout: 300_000 }, async () => {
    const dir = join(root, 'data');
    const keys = [1, 2, 3].map((i) => generateKey(`admin${i}`));
    const keyFiles = keys.map((k, i) => {
      const f = join(root, `admin${i + 1}.key`);
      writeFileSync(f, k.skey + '\n', { mode: 0o600 });
      return f;
    });
    const init = await runCli(['init', '--origin', 'int.example/gov', ...keys.flatMap((k) => ['--admin', k.vkey]), '--quorum', '2', '--json'], { dir });
    expect(init.code, init.stderr).toBe(0);

    const lock = await runCli(['lock', 'mallory', '--reason', 'bulk export', '--key', keyFiles[0]!, '--json'], { dir });
    expect(lock.code, lock.stderr).toBe(0);
    expect(jsonOf(lock)).toMatchObject({ status: 'in-force', person: 'mallory' });
    const unlock = await runCli(['unlock', 'mallory', '--key', keyFiles[1]!, '--json'], { dir });
    expect(jsonOf(unlock)).toMatchObject({ status: 'pending', approvals: 1, quorum: 2 });

    const add = await runCli(['user', 'add', 'eve', '--upstream-role', 'app_ro', '--password-stdin', '--json'], { dir, input: 'eve-password\n' });
    expect(jsonOf(add).error).toMatchObject({ code: 'GOVERNED' });

    expect((await runCli(['verify', '--json'], { dir })).code).toBe(0);
    const store = new VerifierStore(dir);
    store.put(makeVerifier('smuggled-password'));
    store.close();
    const verify = await runCli(['verify', '--json'], { dir });
    expect(verify.code).toBe(1);
    expect(jsonOf(verify).error).toMatchObject({ code: 'STORE_DIVERGES' });
  });
});

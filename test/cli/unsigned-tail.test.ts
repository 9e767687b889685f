// Entries no signed checkpoint covers are not verified, and `ilog verify` says
// so instead of a bare "OK"; `ilog checkpoint --sign` covers them; governance
// commands on a data directory sign what they append themselves.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act } from '../../src/governance/actions.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { initLog } from '../../src/log/appender-init.js';
import { ProvenLog } from '../../src/log/proven-log.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { governedDir } from '../governance/fixture.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { accessEntry, removeDir, tempDir } from '../verify/build-log.js';

let work: string;
beforeAll(() => {
  work = tempDir('ilog-tail-');
});
afterAll(() => removeDir(work));

describe('the unsigned tail', { timeout: 180_000 }, () => {
  it('ilog verify reports entries past the newest checkpoint; checkpoint --sign covers them', async () => {
    const dir = join(work, 'log');
    await initLog(dir, { origin: 'test.example/tail' });
    const storage = SqliteLogStorage.open(dir);
    storage.appendBatch([encodeEntry(accessEntry(1))]);
    storage.close();
    const before = await runCli(['verify', '--json'], { dir });
    expect(before.code).toBe(0);
    expect(jsonOf(before)).toMatchObject({ size: 1, unsigned: 1 });
    const human = await runCli(['verify'], { dir });
    expect(human.stdout).toMatch(/WARNING: 1 newer entry .*NOT verified/);
    expect((await runCli(['checkpoint', '--sign', '--json'], { dir })).code).toBe(0);
    const after = await runCli(['verify', '--json'], { dir });
    expect(jsonOf(after)).toMatchObject({ size: 2, unsigned: 0 });
  });

  it('a governed lock appended on --dir with no server running is covered by a signed checkpoint', async () => {
    const g = await governedDir();
    try {
      const out = await act({ dir: g.dir }, g.admins[0]!, { kind: 'lock', person: 'bob', reason: 'test' });
      expect(out.status).toBe('in-force');
      const storage = SqliteLogStorage.open(g.dir, { readonly: true });
      expect(ProvenLog.forDir(g.dir, storage).pending()).toBe(0);
      storage.close();
    } finally {
      g.cleanup();
    }
  });
});

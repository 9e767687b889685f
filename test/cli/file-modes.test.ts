// Files and secrets (issue #12): a data directory that already existed with mode
// 0755 left log.db and proxy.db (SCRAM verifiers) readable by every local user.
// `ilog init` now creates private files whatever the umask, and `ilog serve`
// takes group and world access off the directory and ilog's files at start,
// and warns about a secrets file (alerts.json) others can read.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDirPrivate, secretFileWarning } from '../../src/storage/private-files.js';
import { runCli, startServe } from '../helpers/cli.js';

const modeOf = (p: string): number => statSync(p).mode & 0o777;

describe('data directory permissions', { timeout: 120_000 }, () => {
  let base: string;
  let dir: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'ilog-modes-'));
    dir = join(base, 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const init = await runCli(['init', '--origin', 'example.com/modes'], { dir });
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('ilog init creates log.db and its keys for the owner only', () => {
    for (const f of ['log.db', 'log.key', 'token']) expect({ f, open: modeOf(join(dir, f)) & 0o077 }).toEqual({ f, open: 0 });
  });

  it('ilog serve makes a 0755 directory and 0644 log.db private at start, and says so', async () => {
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'log.db'), 0o644);
    writeFileSync(join(dir, 'alerts.json'), '{}', { mode: 0o644 });
    chmodSync(join(dir, 'alerts.json'), 0o644);
    // An unusable alerts.json stops the server after the check; the check is what is tested.
    const r = await runCli(['serve', '--listen', '127.0.0.1:0'], { dir });
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, 'log.db'))).toBe(0o600);
    expect(r.stderr).toContain('INSECURE_PERMISSIONS');
    // The operator's secrets file is warned about, not changed.
    expect(modeOf(join(dir, 'alerts.json'))).toBe(0o644);
    expect(r.stderr).toContain(join(dir, 'alerts.json'));
    rmSync(join(dir, 'alerts.json'));
    const s = await startServe({ dir });
    expect(await s.stop()).toBe(0);
    expect(s.output().stderr).not.toContain('INSECURE_PERMISSIONS');
  });

  it('reports exactly what it changed and leaves private files alone', () => {
    const d = mkdtempSync(join(tmpdir(), 'ilog-modes-unit-'));
    try {
      writeFileSync(join(d, 'proxy.db'), '', { mode: 0o644 });
      chmodSync(join(d, 'proxy.db'), 0o644);
      writeFileSync(join(d, 'log.db'), '', { mode: 0o600 });
      writeFileSync(join(d, 'notes.txt'), '', { mode: 0o644 });
      chmodSync(join(d, 'notes.txt'), 0o644);
      chmodSync(d, 0o750);
      expect(makeDataDirPrivate(d)).toEqual([`${d} (was 750)`, `${join(d, 'proxy.db')} (was 644)`]);
      expect(modeOf(join(d, 'notes.txt'))).toBe(0o644);
      expect(makeDataDirPrivate(d)).toEqual([]);
      expect(secretFileWarning(join(d, 'notes.txt'))).toContain('INSECURE_PERMISSIONS');
      expect(secretFileWarning(join(d, 'log.db'))).toBeUndefined();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

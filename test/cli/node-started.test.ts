// Every start of `ilog serve` (and the proxy, through the same function) logs
// node.started: the version, a hash of the code tree it was loaded from and of
// its effective configuration, before it serves anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLogService } from '../../src/cli/serve-log.js';
import { initLog } from '../../src/log/appender-init.js';
import { codeHash, configHash, ilogVersion } from '../../src/log/node-started.js';
import { decodeEntry } from '../../src/ledger/entry.js';
import { removeDir, tempDir } from '../verify/build-log.js';
import { withDb } from '../verify/tamper.js';
import { readFileSync } from 'node:fs';

const work = tempDir('ilog-node-');
afterAll(() => removeDir(work));

describe('node.started', { timeout: 120_000 }, () => {
  it('each start of serve logs version, code hash and config hash', async () => {
    const dir = join(work, 'log');
    await initLog(dir, { origin: 'test.example/node' });
    for (let i = 0; i < 2; i++) {
      const running = await startLogService(dir, '127.0.0.1:0');
      await running.stop();
    }
    const started = withDb(dir, (db) => (db.prepare('SELECT data FROM entries ORDER BY idx').pluck().all() as Buffer[]).map((b) => decodeEntry(b) as Record<string, any>)).filter(
      (e) => e.kind === 'node.started',
    );
    expect(started).toHaveLength(2);
    const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string };
    const code = codeHash(resolve('src'));
    for (const e of started) {
      expect(e).toMatchObject({ role: 'serve', version: pkg.version, code: { tree: 'src', sha256: code.sha256, files: code.files }, pid: process.pid });
      expect(e.config.sha256).toBe(configHash({ listen: '127.0.0.1:0', alerting: false, appApi: false, witnessPolicy: false, governed: false, readTokens: false }));
    }
    expect(ilogVersion(resolve('src'))).toBe(pkg.version);
  });

  it('the code hash changes when any code file changes, and not otherwise', () => {
    const tree = join(work, 'tree');
    mkdirSync(join(tree, 'a'), { recursive: true });
    writeFileSync(join(tree, 'a', 'x.js'), 'export const x = 1;\n');
    writeFileSync(join(tree, 'README.txt'), 'not code');
    const before = codeHash(tree);
    expect(before.files).toBe(1);
    writeFileSync(join(tree, 'README.txt'), 'still not code');
    expect(codeHash(tree).sha256).toBe(before.sha256);
    writeFileSync(join(tree, 'a', 'x.js'), 'export const x = 2;\n');
    expect(codeHash(tree).sha256).not.toBe(before.sha256);
  });
});

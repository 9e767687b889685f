// Every start of `ilog serve` (and the proxy, through the same function) logs
// node.started: the version, a hash of the code tree it was loaded from and of
// its effective configuration, before it serves anything. A witness keeps its
// starts in witness.db and a mirror in starts.jsonl beside its copy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLogService } from '../../src/server/serve.js';
import { initLog } from '../../src/log/appender-init.js';
import { codeHash, configHash, ilogVersion } from '../../src/log/node-started.js';
import { decodeEntry } from '../../src/ledger/entry.js';
import { removeDir, tempDir } from '../verify/build-log.js';
import { withDb } from '../verify/tamper.js';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { generateKey } from '../../src/ledger/note.js';
import { startCli } from '../witness/processes.js';

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

describe('witness and mirror starts', { timeout: 240_000 }, () => {
  it('each start of a witness is kept in its witness.db and shown by `witness status`', async () => {
    const dir = join(work, 'witness');
    const followed = generateKey('test.example/followed').vkey;
    expect((await runCli(['witness', 'init', '--name', 'w.example/w1', '--log', followed, '--dir', dir, '--json'])).code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const w = await startCli(['witness', '--dir', dir, '--listen', '127.0.0.1:0', '--json'], /"listening"/);
      const code = await w.stop();
      expect(code, JSON.stringify(w.output())).toBe(0);
    }
    const status = await runCli(['witness', 'status', '--dir', dir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const starts = JSON.parse(status.stdout).starts as Record<string, any>[];
    expect(starts).toHaveLength(2);
    const code = codeHash(resolve('src'));
    for (const s of starts) expect(s).toMatchObject({ kind: 'node.started', role: 'witness', code: { sha256: code.sha256 }, config: { sha256: configHash({ listen: '127.0.0.1:0', logs: [followed] }) } });
  });

  it('each start of a mirror is kept, durable, in <dir>/starts.jsonl before it copies anything', async () => {
    const dir = join(work, 'mirrored');
    const { vkey } = await initLog(dir, { origin: 'test.example/mirrored' });
    const running = await startLogService(dir, '127.0.0.1:0');
    try {
      const copy = join(work, 'copy');
      for (let i = 0; i < 2; i++) {
        const r = await runCli(['mirror', '--dir', copy, '--from', running.url, '--vkey', vkey, '--once', '--json']);
        expect(r.code, r.stderr).toBe(0);
      }
      const starts = readFileSync(join(copy, 'starts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      expect(starts).toHaveLength(2);
      for (const s of starts) expect(s).toMatchObject({ kind: 'node.started', role: 'mirror', code: { sha256: codeHash(resolve('src')).sha256 } });
    } finally {
      await running.stop();
    }
  });
});

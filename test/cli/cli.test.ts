// Every log command through the real CLI (subprocesses, real files, real
// sockets): --json output, --help, exit codes 0 / 1 (failure) / 2 (usage).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/ledger/bytes.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { leafHash } from '../../src/ledger/hash.js';
import { verifyInclusion } from '../../src/ledger/merkle.js';
import { openNote, verifierFromKey } from '../../src/ledger/note.js';
import { buildProgram } from '../../src/cli/program.js';
import { jsonOf, runCli, startServe } from '../helpers/cli.js';
import { accessEntry, removeDir, tempDir } from '../verify/build-log.js';
import { flipByte } from '../verify/tamper.js';

const COMMANDS = ['keygen', 'init', 'vkey', 'serve', 'append', 'verify', 'proof', 'checkpoint', 'demo'];
let work: string;
let dir: string;
const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify(accessEntry(from + i))).join('\n') + '\n';

beforeAll(() => {
  work = tempDir('ilog-cli-');
  dir = join(work, 'log');
});

afterAll(() => removeDir(work));

// Each subprocess compiles the CLI with tsx: seconds each on a loaded machine.
describe('ilog CLI', { timeout: 300_000 }, () => {
  it('has help for every command, with --dir and --json', async () => {
    // In-process for the text (a subprocess per command is slow), one real run for the exit code.
    const program = buildProgram();
    const leaves = COMMANDS.flatMap((name) => {
      const cmd = program.commands.find((c) => c.name() === name);
      expect(cmd, name).toBeDefined();
      return cmd!.commands.length > 0 ? cmd!.commands : [cmd!];
    });
    for (const cmd of leaves) {
      const help = cmd.helpInformation();
      expect(help, cmd.name()).toContain('--dir <dir>');
      expect(help, cmd.name()).toContain('--json');
    }
    expect(program.helpInformation()).toContain('verify');
    const r = await runCli(['verify', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--save-checkpoint');
  });

  it('exits 2 on usage errors', async () => {
    const [unknown, badArg, badListen] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['proof', 'inclusion', 'abc', '--json'], { dir }),
      runCli(['serve', '--listen', 'nonsense', '--json'], { dir }),
    ]);
    expect(unknown.code).toBe(2);
    expect(badArg.code).toBe(2);
    expect(jsonOf(badArg).error.code).toBe('USAGE');
    expect(badListen.code).toBe(2);
  });

  it('keygen writes a 0600 key and prints its vkey; refuses to overwrite', async () => {
    const out = join(work, 'k.key');
    const r = await runCli(['keygen', '--name', 'alice', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(jsonOf(r).vkey).toMatch(/^alice\+[0-9a-f]{8}\+/);
    expect(readFileSync(out, 'utf8')).toMatch(/^PRIVATE\+KEY\+alice\+/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await runCli(['keygen', '--name', 'alice', '--out', out, '--json']);
    expect(again.code).toBe(1);
    expect(jsonOf(again).error.code).toBe('FILE_EXISTS');
  });

  it('init, vkey, append, checkpoint, proof, verify on a data dir', async () => {
    const init = await runCli(['init', '--origin', 'cli.example/log', '--json'], { dir });
    expect(init.code).toBe(0);
    const { vkey } = jsonOf(init);
    expect(vkey).toMatch(/^cli\.example\/log\+/);
    const [v, again] = await Promise.all([runCli(['vkey'], { dir }), runCli(['init', '--json'], { dir })]);
    expect(v.stdout.trim()).toBe(vkey);
    expect(again.code).toBe(1);
    expect(jsonOf(again).error.code).toBe('LOG_EXISTS');

    const file = join(work, 'entries.jsonl');
    writeFileSync(file, lines(0, 300));
    const app = await runCli(['append', file, '--json'], { dir });
    expect(app.code).toBe(0);
    expect(jsonOf(app)).toMatchObject({ count: 300, first: 1, last: 300 });

    const bad = await runCli(['append', '--json'], { dir, input: lines(300, 1) + '{"v":1,"kind":"access"}\n' });
    expect(bad.code).toBe(1);
    expect(jsonOf(bad).error).toMatchObject({ code: 'INVALID_ENTRY', evidence: { line: 2 } });

    const cp = await runCli(['checkpoint', '--json'], { dir });
    const { checkpoint, size } = jsonOf(cp);
    expect(size).toBe(301); // the bad input appended nothing
    const opened = parseCheckpoint(openNote(checkpoint, [verifierFromKey(vkey)]).text);

    const [inc, con, human] = await Promise.all([
      runCli(['proof', 'inclusion', '7', '--json'], { dir }),
      runCli(['proof', 'consistency', '1', '301', '--json'], { dir }),
      runCli(['proof', 'inclusion', '7', '--size', '100'], { dir }),
    ]);
    verifyInclusion(7, 301, leafHash(encodeEntry(accessEntry(6))), jsonOf(inc).proof.map((p: string) => fromBase64(p)), opened.root);
    expect(jsonOf(con).proof.length).toBeGreaterThan(0);
    expect(human.stdout.trim().split('\n')).toHaveLength(7); // log2(100) rounded up

    const saved = join(work, 'saved.cp');
    const ok = await runCli(['verify', '--save-checkpoint', saved, '--json'], { dir });
    expect(ok.code).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ ok: true, size: 301, entries: 301 });
    expect(readFileSync(saved, 'utf8')).toBe(checkpoint);

    flipByte(dir, 'entries', 'idx = ?', 30, [200]);
    const [broken, brokenHuman] = await Promise.all([
      runCli(['verify', '--checkpoint', saved, '--json'], { dir }),
      runCli(['verify'], { dir }),
    ]);
    expect(broken.code).toBe(1);
    expect(jsonOf(broken).error).toMatchObject({ code: 'TILE_MISMATCH', evidence: { index: 200, tile: 'tile/0/000' } });
    expect(brokenHuman.code).toBe(1);
    expect(brokenHuman.stderr).toContain('TILE_MISMATCH');
    expect(brokenHuman.stderr).toContain('index: 200');
  });

  it('serve: reads, authenticated append --url, verify --url, graceful stop', async () => {
    const sdir = join(work, 'served');
    const init = await runCli(['init', '--origin', 'serve.example/log', '--json'], { dir: sdir });
    const { vkey } = jsonOf(init);
    const server = await startServe({ dir: sdir });
    try {
      const res = await fetch(`${server.url}/checkpoint`);
      expect(res.status).toBe(200);
      const token = readFileSync(join(sdir, 'token'), 'utf8').trim();
      const [noToken, withToken] = await Promise.all([
        runCli(['append', '--url', server.url, '--token', 'wrong-token-123456', '--json'], { input: lines(0, 2), dir: join(work, 'none') }),
        runCli(['append', '--url', server.url, '--token', token, '--json'], { input: lines(0, 600), dir: join(work, 'none') }),
      ]);
      expect(noToken.code).toBe(1);
      expect(jsonOf(noToken).error.code).toBe('UNAUTHORIZED');
      // Entry 0 is genesis, entry 1 the server's own node.started record.
      expect(jsonOf(withToken)).toMatchObject({ count: 600, first: 2, last: 601 });
      // The served checkpoint catches up within the checkpoint interval.
      for (let i = 0; i < 100; i++) {
        const size = parseCheckpoint(openNote(await (await fetch(`${server.url}/checkpoint`)).text(), [verifierFromKey(vkey)]).text).size;
        if (size === 602) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const v = await runCli(['verify', '--url', server.url, '--vkey', vkey, '--json']);
      expect(v.code).toBe(0);
      expect(jsonOf(v)).toMatchObject({ size: 602 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

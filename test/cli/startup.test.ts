// Every `ilog` invocation builds the whole command tree (src/cli/program.ts), so
// registering a command must not load its implementation: the proxy's parser
// alone (libpg-query WASM, compiled eagerly under process-wide V8 flags) cost
// seconds of CPU per run. Structural check, not a timing one: a child process
// builds the tree and lists every script V8 compiled meanwhile (inspector
// `Debugger.scriptParsed` sees ESM and CommonJS alike, unlike require.cache).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const CHILD = `
import { Session } from 'node:inspector';
const scripts = [];
const session = new Session();
session.connect();
session.on('Debugger.scriptParsed', (m) => scripts.push(m.params.url));
session.post('Debugger.enable');
const { buildProgram } = await import(process.env.ILOG_PROGRAM_URL);
const commands = buildProgram().commands.map((c) => c.name());
session.disconnect();
process.stdout.write(JSON.stringify({ commands, scripts }));
`;

/** What registering a command must never pull in (each is an implementation's dependency). */
const HEAVY = [
  'node_modules/libpg-query/',
  'node_modules/fastify/',
  'node_modules/nodemailer/',
  'node_modules/better-sqlite3/',
  'node_modules/@electric-sql/pglite',
  'node_modules/cli-progress/',
  'src/capture/pg/wasm-flags.ts', // process-wide V8 WASM flags: proxy processes only
];

describe('ilog start-up', { timeout: 120_000 }, () => {
  it('building the command tree loads no implementation module', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: REPO_ROOT,
      env: { ...process.env, ILOG_PROGRAM_URL: pathToFileURL(join(REPO_ROOT, 'src', 'cli', 'program.ts')).href },
      encoding: 'utf8',
      timeout: 100_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const { commands, scripts } = JSON.parse(r.stdout) as { commands: string[]; scripts: string[] };
    // The tree is complete, and the probe sees both TypeScript sources and CommonJS packages.
    expect(commands).toEqual(expect.arrayContaining(['vkey', 'proxy', 'serve', 'demo', 'alerts', 'app', 'user', 'lock', 'witness', 'mirror', 'verify']));
    expect(scripts.some((u) => u.endsWith('/src/cli/proxy.ts'))).toBe(true);
    expect(scripts.some((u) => u.includes('/node_modules/commander/lib/command.js'))).toBe(true);
    expect(HEAVY.filter((h) => scripts.some((u) => u.includes(h)))).toEqual([]);
  });
});

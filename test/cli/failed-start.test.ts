// Issue #12: `ilog serve` exited 0 with no output in 10–60% of failed starts.
// Closing the log while its writer thread was still starting called
// worker.terminate(), whose promise could stay unresolved with nothing keeping
// the process alive: Node exited 0 before the error was printed. Every failed
// start must print its error and exit non-zero, every time, so the test loops.
// The race shows with the built CLI (dist/, a plain-JS writer thread that starts
// fast); `npm test` builds it first, so that copy is tested whenever it is
// current, and the source copy always.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const TRIES = 10;
const DIST_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The built CLI, when it was built after the last change to src/. */
function currentDist(): string | undefined {
  try {
    return statSync(DIST_MAIN).mtimeMs >= newestMtime(join(REPO_ROOT, 'src')) ? DIST_MAIN : undefined;
  } catch {
    return undefined;
  }
}

describe('a failed start of ilog serve', { timeout: 240_000 }, () => {
  let base: string;
  let dir: string;
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'ilog-failed-start-'));
    dir = join(base, 'data');
    const init = await runCli(['init', '--origin', 'example.com/failed-start'], { dir });
    expect(init.code, init.stderr).toBe(0);
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    rmSync(base, { recursive: true, force: true });
  });

  it(`prints PORT_IN_USE and exits 1, ${TRIES} times out of ${TRIES} (source)`, async () => {
    for (let i = 0; i < TRIES; i++) {
      const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--json'], { dir });
      expect({ try: i, code: r.code, stdout: r.stdout }).toMatchObject({ code: 1, stdout: expect.stringContaining('"PORT_IN_USE"') });
    }
  });

  it.skipIf(currentDist() === undefined)(`prints PORT_IN_USE and exits 1, ${TRIES} times out of ${TRIES} (built CLI)`, () => {
    const main = currentDist()!;
    for (let i = 0; i < TRIES; i++) {
      const r = spawnSync(process.execPath, [main, 'serve', '--listen', `127.0.0.1:${port}`, '--json'], { env: { ...process.env, ILOG_DIR: dir }, encoding: 'utf8', timeout: 30_000 });
      expect({ try: i, code: r.status, stdout: r.stdout }).toMatchObject({ code: 1, stdout: expect.stringContaining('"PORT_IN_USE"') });
    }
  });
});

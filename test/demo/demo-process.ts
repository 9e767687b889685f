// Runs `ilog demo` from source as a subprocess (the way test/helpers/cli.ts runs
// the CLI), waits for its banner, and hands back what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

export interface DemoProcess {
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `re` (polls; rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGINT (Ctrl-C) and wait for exit; returns the exit code. */
  interrupt(): Promise<number>;
}

export async function startDemo(args: string[], timeoutMs = 240_000): Promise<DemoProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'demo', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number>((res) => child.on('close', (code, signal) => res(code ?? (signal ? 128 : 1))));
  let done = false;
  void exited.then(() => (done = true));
  const demo: DemoProcess = {
    stdout: () => out,
    stderr: () => err,
    async waitFor(re, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (done) throw new Error(`ilog demo exited before printing ${re}\nstdout: ${out}\nstderr: ${err}`);
        if (Date.now() > deadline) throw new Error(`ilog demo did not print ${re} in time\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async interrupt() {
      if (!done && child.pid !== undefined) process.kill(child.pid, 'SIGINT');
      return exited;
    },
  };
  try {
    await demo.waitFor(/Press Ctrl-C to stop\./, timeoutMs);
  } catch (e) {
    if (!done && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    throw e;
  }
  return demo;
}

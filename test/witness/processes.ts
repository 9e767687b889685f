// Long-running `ilog` subprocesses for the witness e2e tests (witnesses, mirror):
// start one, wait (bounded) until it prints a line matching a pattern, stop it
// by its own PID. Every PID started here is tracked so afterAll can stop them.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

export interface Proc {
  pid: number;
  match: RegExpExecArray;
  output(): { stdout: string; stderr: string };
  /** SIGTERM (then SIGKILL after 5 s) this PID; resolves with the exit code. */
  stop(): Promise<number>;
  exited: Promise<number>;
}

const running = new Set<ChildProcess>();

export function startCli(args: string[], waitFor: RegExp, timeoutMs = 90_000): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number>((res) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      res(code ?? (signal ? 128 : 1));
    }),
  );
  const stop = async (): Promise<number> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    }
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`ilog ${args[0]} did not print ${waitFor} in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    const check = (): void => {
      const m = waitFor.exec(stdout);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ pid: child.pid, match: m, output: () => ({ stdout, stderr }), stop, exited });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      check();
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ilog ${args[0]} exited with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** Stop every process this module started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (c) => {
      if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    }),
  );
}

/** Poll `cond` every 50 ms until it returns a truthy value, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, cond: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

// Runs the ilog CLI from source (`node --import tsx src/cli/main.ts`), the way
// every test drives it: a real subprocess, real files, real sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

/** The repository root, found from this file so tests work from any cwd. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

export interface CliOptions {
  /** Data directory, passed as ILOG_DIR (every command honours it). */
  dir?: string;
  env?: Record<string, string>;
  /** Bytes or text written to stdin (stdin is closed either way). */
  input?: string | Uint8Array;
  cwd?: string;
  /** Kill the process after this many ms (default 60 s) so a hung command fails the test. */
  timeoutMs?: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function childEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.dir !== undefined) env.ILOG_DIR = opts.dir;
  // Keep output plain: no colours, no progress bars (stderr is a pipe anyway).
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  return env;
}

function spawnCli(args: string[], opts: CliOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: childEnv(opts),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `ilog <args>` to completion. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin!.on('error', () => {}); // the command may exit before reading stdin
    child.stdin!.end(opts.input ?? '');
  });
}

/** Parses the single JSON document a `--json` command printed. */
export function jsonOf(r: CliResult): Record<string, any> {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, any>;
  } catch {
    throw new Error(`expected JSON on stdout, got: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export interface ServeHandle {
  url: string;
  pid: number;
  /** Sends SIGTERM to this PID and waits for it to exit; returns its exit code. */
  stop(): Promise<number>;
  /** What the server printed so far. */
  output(): { stdout: string; stderr: string };
}

/**
 * Starts `ilog serve --listen 127.0.0.1:0 --json` (or another serving command,
 * e.g. `demo`) as a subprocess and resolves once it printed its URL. Always call
 * stop() (e.g. in afterAll).
 */
export function startServe(opts: CliOptions & { args?: string[]; command?: string } = {}): Promise<ServeHandle> {
  const child = spawnCli([opts.command ?? 'serve', '--listen', '127.0.0.1:0', '--json', ...(opts.args ?? [])], opts);
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number>((res) => child.on('close', (code, signal) => res(code ?? (signal ? 128 : 1))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ilog serve did not start in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /"url":"([^"]+)"/.exec(stdout);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        const pid = child.pid;
        resolve({
          url: m[1]!,
          pid,
          output: () => ({ stdout, stderr }),
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ilog serve exited with ${code} before printing its URL\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

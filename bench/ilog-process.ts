// Running the built CLI (dist/cli/main.js) from a benchmark: one-shot commands
// and long-running processes (serve, proxy) that can be killed and restarted.
// Shared by the soak and the fuzzer, which both test the production binary.
// ILOG_BENCH_CPU_PROF=<dir> runs those processes with --cpu-prof into <dir>.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
}

/** `ilog <args> --dir <dir>`, stdin from `input`; rejects with the output on a non-zero exit. */
export async function ilog(dir: string, args: string[], input = ''): Promise<string> {
  const p = spawn(process.execPath, [MAIN, ...args, '--dir', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.end(input);
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d));
  p.stderr.on('data', (d: Buffer) => (out += d));
  const code = await new Promise<number>((r) => p.on('close', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error(`ilog ${args.join(' ')} exited ${code}: ${out}`);
  return out;
}

/** A long-running ilog process that can be killed and restarted. */
export class Daemon {
  proc: ChildProcess | undefined;
  restarts = 0;
  /** The URL it printed when it started. */
  url: string | undefined;
  /** The last 4,000 characters of its standard error. */
  stderr = '';
  constructor(readonly name: string, readonly dir: string, readonly args: string[]) {}
  async start(): Promise<void> {
    const p = spawn(process.execPath, [...(process.env.ILOG_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.ILOG_BENCH_CPU_PROF] : []), MAIN, ...this.args, '--dir', this.dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      p.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /"url":"([^"]+)"/.exec(out);
        if (m) (this.url = m[1]), resolve();
      });
      p.on('close', (c) => reject(new Error(`${this.name} exited ${c} while starting: ${this.stderr}`)));
    });
  }
  kill9(): void {
    this.proc?.kill('SIGKILL');
  }
  /** Whether it has exited (on its own or killed). */
  exited(): boolean {
    return this.proc?.exitCode !== null || this.proc?.signalCode !== null;
  }
  async stop(): Promise<number> {
    const p = this.proc!;
    if (p.exitCode !== null) return p.exitCode;
    p.kill('SIGTERM');
    return new Promise((r) => p.on('close', (c) => r(c ?? 1)));
  }
  stats(): { rss_mb: number; fds: number } {
    const pid = this.proc?.pid;
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
      return { rss_mb: Math.round(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
    } catch {
      return { rss_mb: NaN, fds: NaN };
    }
  }
}

// Spawn append-child.ts processes and collect the indexes they acknowledge.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./append-child.ts', import.meta.url));

export interface AppendChild {
  proc: ChildProcess;
  /** Acknowledged [index, n] pairs, in the order printed. */
  acks: [index: number, n: number][];
  /** Resolves once at least `k` acks have arrived (or the child exited). */
  acked(k: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function spawnAppendChild(dir: string, tag: string, count: number, inFlight = 20, writer: 'thread' | 'inline' | 'auto' = 'thread'): AppendChild {
  const args = ['--import', 'tsx', CHILD, dir, tag, String(count), String(inFlight), writer];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: [number, number][] = [];
  let buffered = '';
  let stderr = '';
  const listeners: (() => void)[] = [];
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() as string; // a line cut by kill -9 was never fully acknowledged
    for (const line of lines) {
      const [index, n] = line.split(' ').map(Number) as [number, number];
      acks.push([index, n]);
    }
    for (const l of listeners.splice(0)) l();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => {
      for (const l of listeners.splice(0)) l();
      resolve({ code, signal, stderr });
    }),
  );
  const acked = async (k: number): Promise<void> => {
    while (acks.length < k && proc.exitCode === null && proc.signalCode === null) await new Promise<void>((r) => listeners.push(r));
  };
  return { proc, acks, acked, exited };
}

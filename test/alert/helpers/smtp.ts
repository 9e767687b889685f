// Starts the SMTP sink (smtp-sink.mjs) as a child process and reads what arrived.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReceivedMail {
  /** Date.now() in the SMTP server process when the message was accepted. */
  receivedAt: number;
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpSink {
  port: number;
  messages(): ReceivedMail[];
  /** Waits (bounded) until at least `n` messages arrived; returns them. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'smtp-sink.mjs');

export async function startSmtpSink(opts: { rejectRcpt?: string } = {}): Promise<SmtpSink> {
  const dir = mkdtempSync(join(tmpdir(), 'ilog-smtp-'));
  const child = spawn(process.execPath, [SCRIPT, dir, ...(opts.rejectRcpt ? [opts.rejectRcpt] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  const messages = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ReceivedMail);
  return {
    port,
    messages,
    async waitFor(n, timeoutMs = 20_000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
        const m = messages();
        if (m.length >= n) return m;
      }
      throw new Error(`expected ${n} messages, got ${messages().length}`);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

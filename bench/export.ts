// Export throughput: `startExport` (jsonl and OCSF, RFC 5424 framed, with a durable
// cursor) from a local log to a TCP syslog receiver on loopback in another process
// (a child counting octet-counted frames). And the cost of the proxy's metrics per
// statement (the three hot-path calls), in CPU ns. Prints JSON lines.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { ExportCursor } from '../src/export/cursor.js';
import { startExport } from '../src/export/exporter.js';
import { Metrics } from '../src/export/metrics.js';
import { ProxyMetricsRecorder } from '../src/export/proxy-metrics.js';
import { connectSyslog } from '../src/export/syslog.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { ProvenLog } from '../src/log/proven-log.js';

const N = Number(process.env.N ?? 200_000);

if (process.argv[2] === 'receiver') {
  // Child: count frames, report when `want` arrived.
  const { createServer } = await import('node:net');
  let want = Infinity;
  let got = 0;
  process.on('message', (m: { want: number }) => {
    want = m.want;
    if (got >= want) process.send!({ done: got });
  });
  const srv = createServer((s) => {
    let pending: Buffer = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      const buf: Buffer = pending.length ? Buffer.concat([pending, d]) : d;
      let off = 0;
      for (;;) {
        const sp = buf.indexOf(0x20, off);
        if (sp < 0) break;
        const len = Number(buf.toString('ascii', off, sp));
        if (buf.length < sp + 1 + len) break;
        off = sp + 1 + len;
        got++;
      }
      pending = buf.subarray(off);
      if (got >= want) process.send!({ done: got });
    });
  });
  process.on('disconnect', () => process.exit(0));
  srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as { port: number }).port }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-export-'));
  await initLog(dir, { origin: 'bench.example/export' });
  const appender = await Appender.open(dir);
  const t = new Date().toISOString();
  for (let i = 0; i < N; i += 10_000) {
    await appender.appendMany(Array.from({ length: Math.min(10_000, N - i) }, (_, j) => ({ v: 1, kind: 'access', time: t, source: 'pg-proxy', person: `p${(i + j) % 500}`, role: 'app', database: 'clinic', client: { address: '10.0.0.1' }, purpose: 'TICKET-1', action: 'select', relations: ['public.patients'], statement: { kind: 'SelectStmt', text: 'SELECT * FROM patients WHERE id = $1', sha256: 'a'.repeat(64), values: ['b'.repeat(64)] } })));
  }
  await appender.checkpoint();
  for (const format of ['jsonl', 'ocsf'] as const) {
    const child = fork(new URL(import.meta.url).pathname, ['receiver'], { execArgv: ['--import', 'tsx'] });
    const port = await new Promise<number>((r) => child.once('message', (m: { port: number }) => r(m.port)));
    const received = new Promise<void>((r) => child.on('message', (m: { done?: number }) => m.done && r()));
    const sink = await connectSyslog(`tcp://127.0.0.1:${port}`);
    const cursor = ExportCursor.open(join(dir, `${format}.cursor`), appender.origin, format);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const run = startExport({ reader: ProvenLog.forDir(dir, appender.storage), origin: appender.origin, format, syslog: true, sink, cursor, follow: false });
    const next = await run.done;
    child.send({ want: next });
    await received;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(JSON.stringify({ bench: 'export-syslog-tcp', format, records: next, seconds: +(ms / 1000).toFixed(3), recordsPerSecond: Math.round(next / (ms / 1000)), exporterCpuUsPerRecord: +((cpu.user + cpu.system) / next).toFixed(2), load1: loadavg()[0] }));
    await sink.close();
    child.kill();
  }
  await appender.close();
  rmSync(dir, { recursive: true, force: true });

  // The proxy's metrics per statement: statement(), logWait(), and the session gauge untouched.
  const m = new Metrics('bench');
  const rec = new ProxyMetricsRecorder(m, { storage: appender.storage, sessions: () => 0 });
  const S = 5_000_000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < S; i++) {
    rec.statement('ok', undefined);
    rec.logWait(0.3 + (i & 7) * 0.1);
  }
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ bench: 'proxy-metrics-per-statement', statements: S, cpuNsPerStatement: +(((c.user + c.system) * 1000) / S).toFixed(1), load1: loadavg()[0] }));
}

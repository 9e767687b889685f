// Export throughput: `startExport` (RFC 5424 framed, durable cursor) from a local log
// to a TCP syslog receiver on loopback in another process (a child counting
// octet-counted frames), per format, beside two anchors run in the same process and
// the same minute:
// - `memory`: the same export into memory (no socket, no cursor): reading, proving
//   and rendering alone;
// - `raw-tcp`: the bytes that export produced, written batch by batch to the same kind
//   of receiver by a bare socket: what loopback and the receiver allow.
// Each line says where the wall time went: the exporter's main thread on a CPU, waiting
// for one (run queue, /proc/<tid>/schedstat), and off CPU (blocked: fsync, socket);
// and the exporter's own stages (read, render, wait for the previous batch's flush and
// cursor). Then (mode `writers`) the jsonl batch writer alone, fast path against the
// general path, interleaved, in CPU µs per record, and the OCSF event's text written directly
// against JSON.stringify of its object. Last, the proxy's metrics calls per
// statement, on (ProxyMetricsRecorder) against off (no recorder, as `proxy --no-metrics`),
// interleaved rounds, in CPU ns per statement. Prints JSON lines. Env: N records (default 200,000), FORMATS (jsonl,ocsf,cef),
// ROUNDS (1), BATCH (2,000), ILOG_BENCH_EXPORT_DIR (keep the generated log there and
// reuse it: generating 200,000 entries takes a minute on a loaded machine).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBuffer } from '../src/export/batch-buffer.js';
import { ExportCursor } from '../src/export/cursor.js';
import { render, startExport, type ExportTimings } from '../src/export/exporter.js';
import { JsonlWriter } from '../src/export/jsonl-writer.js';
import { Metrics } from '../src/export/metrics.js';
import { ocsfSplice } from '../src/export/ocsf.js';
import { ocsfParts } from '../src/export/ocsf-text.js';
import { ProxyMetricsRecorder } from '../src/export/proxy-metrics.js';
import { exportRecord, type ExportFormat } from '../src/export/record.js';
import { connectSyslog, syslogMessage, type Sink } from '../src/export/syslog.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { readLogConfig } from '../src/log/appender-files.js';
import { ProvenLog } from '../src/log/proven-log.js';
import { openLogStorage } from '../src/storage/open-storage.js';

const N = Number(process.env.N ?? 200_000);
const BATCH = Number(process.env.BATCH ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const FORMATS = (process.env.FORMATS ?? 'jsonl,ocsf,cef').split(',') as ExportFormat[];
/** Which runs (a CPU profile of one: MODES=memory node --cpu-prof --import tsx bench/export.ts). */
const MODES = new Set((process.env.MODES ?? 'memory,raw-tcp,exporter,writers').split(','));

/** Main thread's [on CPU, waiting on the run queue] in ms (Linux schedstat), else undefined. */
function schedstat(pid: number): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6];
  } catch {
    return undefined;
  }
}

if (process.argv[2] === 'receiver') {
  // Child: count frames; report (with its own CPU) when `want` arrived.
  const { createServer } = await import('node:net');
  let want = Infinity;
  let got = 0;
  let cpu0 = process.cpuUsage();
  const report = (): void => {
    const c = process.cpuUsage(cpu0);
    process.send!({ done: got, cpuUs: c.user + c.system });
  };
  process.on('message', (m: { want: number }) => {
    want = m.want;
    if (got >= want) report();
  });
  const srv = createServer((s) => {
    cpu0 = process.cpuUsage();
    let pending: Buffer = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      const buf: Buffer = pending.length ? Buffer.concat([pending, d]) : d;
      let off = 0;
      for (;;) {
        const sp = buf.indexOf(0x20, off);
        if (sp < 0) break;
        const len = Number(buf.toString('latin1', off, sp));
        if (buf.length < sp + 1 + len) break;
        off = sp + 1 + len;
        got++;
      }
      pending = buf.subarray(off);
      if (got >= want) report();
    });
  });
  process.on('disconnect', () => process.exit(0));
  srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as { port: number }).port }));
} else {
  const kept = process.env.ILOG_BENCH_EXPORT_DIR;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'ilog-bench-export-'));
  if (!existsSync(join(dir, 'log.db'))) {
    await initLog(dir, { origin: 'bench.example/export' });
    const appender = await Appender.open(dir);
    const t = new Date().toISOString();
    for (let i = 0; i < N; i += 10_000) {
      await appender.appendMany(Array.from({ length: Math.min(10_000, N - i) }, (_, j) => ({ v: 1, kind: 'access', time: t, source: 'pg-proxy', person: `p${(i + j) % 500}`, role: 'app', database: 'clinic', client: { address: '10.0.0.1' }, purpose: 'TICKET-1', action: 'select', relations: ['public.patients'], statement: { kind: 'SelectStmt', text: 'SELECT * FROM patients WHERE id = $1', sha256: 'a'.repeat(64), values: ['b'.repeat(64)] } })));
    }
    await appender.checkpoint();
    await appender.close();
  }
  const storage = await openLogStorage(dir, { readonly: true });
  const origin = readLogConfig(dir).origin;
  const reader = ProvenLog.forDir(dir, storage);
  const records = Math.min(N + 1, reader.size());

  async function receiver(): Promise<{ child: ChildProcess; port: number; received: (want: number) => Promise<number> }> {
    const child = fork(new URL(import.meta.url).pathname, ['receiver'], { execArgv: ['--import', 'tsx'] });
    const port = await new Promise<number>((r) => child.once('message', (m: { port: number }) => r(m.port)));
    const received = (want: number): Promise<number> =>
      new Promise((r) => {
        child.on('message', (m: { done?: number; cpuUs: number }) => m.done && r(m.cpuUs));
        child.send({ want });
      });
    return { child, port, received };
  }

  /** Runs `send` against a fresh receiver; one JSON line with wall, CPU and where the time went. */
  async function measure(format: ExportFormat, mode: string, send: (port: number) => Promise<{ timings?: ExportTimings }>): Promise<void> {
    if (!MODES.has(mode)) return;
    const rx = mode === 'memory' ? undefined : await receiver();
    const cpu0 = process.cpuUsage();
    const s0 = schedstat(process.pid);
    const t0 = performance.now();
    const { timings } = await send(rx?.port ?? 0);
    const rxCpuUs = rx ? await rx.received(records) : 0;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const s1 = schedstat(process.pid);
    rx?.child.kill();
    const main = s0 && s1 ? { onCpuMs: Math.round(s1[0] - s0[0]), runQueueMs: Math.round(s1[1] - s0[1]), offCpuMs: Math.round(ms - (s1[0] - s0[0]) - (s1[1] - s0[1])) } : undefined;
    const stages = timings && { batches: timings.batches, readMs: Math.round(timings.readMs), renderMs: Math.round(timings.renderMs), waitMs: Math.round(timings.waitMs) };
    console.log(
      JSON.stringify({
        bench: 'export-syslog-tcp',
        format,
        mode,
        records,
        seconds: +(ms / 1000).toFixed(3),
        recordsPerSecond: Math.round(records / (ms / 1000)),
        exporterCpuUsPerRecord: +((cpu.user + cpu.system) / records).toFixed(2),
        receiverCpuUsPerRecord: +(rxCpuUs / records).toFixed(2),
        mainThread: main,
        stages,
        load1: loadavg()[0],
      }),
    );
  }

  // Warm-up, not measured: each format's code compiled by the JIT before the first measured run
  // (the memory anchor ran first and was charged for it: slower than the export it anchors).
  const warm = { size: () => Math.min(reader.size(), 20_000), readEntries: reader.readEntries.bind(reader), readProven: reader.readProven.bind(reader) };
  const discard: Sink = { write: () => 0, flushed: () => Promise.resolve(), close: () => Promise.resolve() };
  for (const format of FORMATS) await startExport({ reader: warm, origin, format, syslog: true, sink: discard, follow: false, batch: BATCH }).done;

  for (let round = 0; round < ROUNDS; round++) {
    for (const format of FORMATS) {
      // Anchor 1: the same export into memory; its batches are what anchor 2 sends.
      const chunks: Buffer[] = [];
      const memory: Sink = { write: (c) => (chunks.push(c), 0), flushed: () => Promise.resolve(), close: () => Promise.resolve() };
      await measure(format, 'memory', async () => {
        const timings: ExportTimings = { batches: 0, readMs: 0, renderMs: 0, waitMs: 0 };
        await startExport({ reader, origin, format, syslog: true, sink: memory, follow: false, batch: BATCH, timings }).done;
        return { timings };
      });
      // Anchor 2: those bytes through a bare socket, one write per batch, waiting for each write's callback.
      await measure(format, 'raw-tcp', async (port) => {
        const socket = connect({ host: '127.0.0.1', port });
        await new Promise((r) => socket.once('connect', r));
        for (const c of chunks) await new Promise((r) => socket.write(c, r));
        socket.end();
        return {};
      });
      chunks.length = 0;
      await measure(format, 'exporter', async (port) => {
        const sink = await connectSyslog(`tcp://127.0.0.1:${port}`);
        const cursorPath = join(dir, `${format}.cursor`);
        rmSync(cursorPath, { force: true });
        const cursor = ExportCursor.open(cursorPath, origin, format, 0);
        const timings: ExportTimings = { batches: 0, readMs: 0, renderMs: 0, waitMs: 0 };
        await startExport({ reader, origin, format, syslog: true, sink, cursor, follow: false, batch: BATCH, timings }).done;
        await sink.close();
        return { timings };
      });
    }
  }
  if (MODES.has('writers')) {
    // The jsonl batch writer alone, fast path against the general path (parse, render, frame), interleaved in one process.
    const M = Math.min(2_048, records - 1);
    const { entries, hashes } = reader.readProven(1, 1 + M, M);
    const hex = Buffer.from(hashes).toString('hex');
    const writer = new JsonlWriter(origin, true);
    const fast = (): void => {
      const out = new BatchBuffer(M * 1000);
      for (let i = 0; i < M; i++) if (!writer.write(out, 1 + i, entries[i] as Buffer, hashes, i * 32)) throw new Error('fast path declined a bench entry');
    };
    const general = (): void => {
      const out = new BatchBuffer(M * 1000);
      for (let i = 0; i < M; i++) {
        const r = exportRecord(origin, 1 + i, entries[i]!, hex.slice(i * 64, i * 64 + 64));
        const msg = syslogMessage(r, render(r, 'jsonl'));
        const n = Buffer.byteLength(msg);
        out.reserve(n + 8);
        out.digits(n);
        out.byte(0x20);
        out.text(msg);
      }
    };
    const read = (): void => void reader.readProven(1, 1 + M, M);
    const cpu: Record<string, number> = { fast: 0, general: 0, read: 0 };
    for (let round = 0; round < 10; round++) {
      for (const [name, f] of [['fast', fast], ['general', general], ['read', read]] as const) {
        const c0 = process.cpuUsage();
        for (let j = 0; j < 10; j++) f();
        const c = process.cpuUsage(c0);
        cpu[name]! += c.user + c.system;
      }
    }
    const us = (name: string): number => +(cpu[name]! / (100 * M)).toFixed(2);
    console.log(JSON.stringify({ bench: 'export-jsonl-writer', records: 100 * M, fastCpuUsPerRecord: us('fast'), generalCpuUsPerRecord: us('general'), readAndProveCpuUsPerRecord: us('read'), load1: loadavg()[0] }));
    // OCSF: the event text written directly (ocsf-text.ts) against JSON.stringify of the event object (ocsfSplice), the records parsed beforehand.
    const parsed = entries.map((e, i) => exportRecord(origin, 1 + i, e, hex.slice(i * 64, i * 64 + 64)));
    const ocsf: Record<string, number> = { direct: 0, stringify: 0 };
    for (let round = 0; round < 10; round++) {
      for (const [name, f] of [['direct', ocsfParts], ['stringify', ocsfSplice]] as const) {
        const c0 = process.cpuUsage();
        for (let j = 0; j < 10; j++) for (const r of parsed) f(r);
        const c = process.cpuUsage(c0);
        ocsf[name]! += c.user + c.system;
      }
    }
    console.log(JSON.stringify({ bench: 'export-ocsf-event', records: 100 * M, directCpuUsPerRecord: +(ocsf.direct! / (100 * M)).toFixed(2), stringifyCpuUsPerRecord: +(ocsf.stringify! / (100 * M)).toFixed(2), load1: loadavg()[0] }));
  }
  // The proxy's metrics per statement, on against off, interleaved: the calls the proxy makes per
  // statement (statement(), logWait()) through the optional recorder it holds (undefined with --no-metrics).
  const recorder = new ProxyMetricsRecorder(new Metrics('bench'), { sessions: () => 0 });
  const S = 1_000_000;
  const perStatement = (rec: ProxyMetricsRecorder | undefined): number => {
    let sink = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < S; i++) {
      rec?.statement('ok', undefined);
      rec?.logWait(0.3 + (i & 7) * 0.1);
      sink += i & 1;
    }
    const c = process.cpuUsage(c0);
    if (sink < 0) throw new Error('unreachable');
    return ((c.user + c.system) * 1000) / S;
  };
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < 10; round++) {
    on.push(perStatement(recorder));
    off.push(perStatement(undefined));
  }
  const median = (xs: number[]): number => +[...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(1);
  console.log(JSON.stringify({ bench: 'proxy-metrics-per-statement', statements: 10 * S, rounds: 10, onCpuNsPerStatement: median(on), offCpuNsPerStatement: median(off), addedCpuNsPerStatement: +(median(on) - median(off)).toFixed(1), load1: loadavg()[0] }));
  storage.close();
  if (!kept) rmSync(dir, { recursive: true, force: true });
}

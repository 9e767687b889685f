// `ilog export --format ocsf|cef|jsonl [--follow] [--from N] [--cursor FILE]
// [--syslog tcp://host:port|tls://host:port | --out FILE]`: the log's entries for a
// SIEM, on standard output, to a syslog receiver (RFC 5424, octet counting) or
// appended to a file, resuming from a durable cursor (docs/export.md).
import type { Command } from 'commander';
import { action, parseCount, withCommonOptions } from './common.js';
import { usageError, type GlobalOptions } from './output.js';

interface ExportCliOptions extends GlobalOptions {
  format: string;
  follow?: boolean;
  from?: number;
  cursor?: string;
  syslog?: string;
  out?: string;
  ca?: string;
  batch: number;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('export')
      .description('export log entries for a SIEM (OCSF, CEF or JSON lines) to stdout or a syslog receiver, each with its log index and leaf hash')
      .option('--format <format>', 'ocsf, cef or jsonl', 'ocsf')
      .option('--follow', 'keep exporting new entries until stopped')
      .option('--from <index>', 'first index to export (default 0, or where --cursor left off)', parseCount)
      .option('--cursor <file>', 'durable cursor: resume where the last run stopped, without losing or repeating records')
      .option('--syslog <url>', 'send RFC 5424 messages with octet-counting framing to tcp://host:port or tls://host:port')
      .option('--out <file>', 'append to a file; with --cursor, exactly once across kills (the file is cut back to the cursor on restart)')
      .option('--ca <file>', 'PEM CA certificate(s) to trust for --syslog tls://')
      .option('--batch <n>', 'records per cursor write', parseCount, 2000),
  ).action(
    action<ExportCliOptions, []>(async (opts) => {
      const { EXPORT_FORMATS } = await import('../export/record.js');
      const format = EXPORT_FORMATS.find((f) => f === opts.format);
      if (!format) throw usageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      if (opts.ca && !opts.syslog?.startsWith('tls://')) throw usageError('--ca goes with --syslog tls://…');
      if (opts.batch < 1) throw usageError('--batch must be at least 1');
      if (opts.out && opts.syslog) throw usageError('--out and --syslog exclude each other');
      const { readFileSync } = await import('node:fs');
      const { openReadOnly } = await import('./log-open.js');
      const { readLogConfig } = await import('../log/appender-files.js');
      const { ProvenLog } = await import('../log/proven-log.js');
      const { ExportCursor } = await import('../export/cursor.js');
      const { connectSyslog, stdoutSink } = await import('../export/syslog.js');
      const { openFileSink } = await import('../export/file-sink.js');
      const { startExport } = await import('../export/exporter.js');
      const storage = await openReadOnly(opts.dir);
      const origin = readLogConfig(opts.dir).origin;
      const cursor = opts.cursor ? ExportCursor.open(opts.cursor, origin, format, opts.from, opts.out) : undefined;
      const sink = opts.syslog ? await connectSyslog(opts.syslog, opts.ca ? { ca: readFileSync(opts.ca) } : {}) : opts.out ? await openFileSink(opts.out, cursor) : stdoutSink();
      const running = startExport({
        reader: ProvenLog.forDir(opts.dir, storage),
        origin,
        format,
        syslog: opts.syslog !== undefined,
        sink,
        follow: Boolean(opts.follow),
        batch: opts.batch,
        ...(cursor ? { cursor } : {}),
        ...(opts.from !== undefined ? { from: opts.from } : {}),
      });
      const stop = (): void => running.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const next = await running.done;
        if (opts.syslog || opts.out || opts.json) process.stderr.write(`ilog: exported up to index ${next}\n`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await sink.close();
        storage.close();
      }
    }),
  );
}

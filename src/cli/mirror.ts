// `ilog mirror`: follow a log over its C2SP read API, verify and keep a full
// copy (SQLite or a static tiles directory), optionally serve it and cosign it.
// Its modules load inside the action: every `ilog` builds this command tree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { createLogServer } from '../http/log-server.js';
import { IlogError, isIlogError } from '../ledger/errors.js';
import type { MirrorFormat } from '../witness/mirror-setup.js';
import { action, parseCount, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';

interface MirrorOptions extends GlobalOptions {
  from?: string;
  vkey?: string;
  format?: MirrorFormat;
  listen?: string;
  policy?: string;
  key?: string;
  once?: boolean;
  interval: number;
  metricsListen?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('mirror')
      .description('follow a log (C2SP tlog-tiles read API), verify everything and keep a complete copy')
      .option('--from <url|dir>', 'the log to mirror: its base URL, or a tiles directory (remembered in <dir>/mirror.json)')
      .option('--vkey <vkey>', "the log's verifier key (remembered)")
      .option('--format <format>', 'sqlite (<dir>/log.db) or tiles (a static tlog-tiles directory in <dir>)')
      .option('--listen <host:port>', 'also serve the copy over the same read API')
      .option('--policy <file>', 'only accept checkpoints whose cosignatures meet this tlog-policy')
      .option('--key <file>', 'cosigner key (e.g. from `ilog witness init`): cosign each checkpoint once mirrored')
      .option('--interval <ms>', 'poll interval', parseCount, 1000)
      .option('--once', 'copy up to the current checkpoint and exit')
      .option('--metrics-listen <host:port>', 'serve /metrics, /healthz and /readyz on this address (else on --listen, when given)'),
  ).action(
    action<MirrorOptions, []>(async (opts) => {
      const { mirrorConfig, openMirrorCopy } = await import('../witness/mirror-setup.js');
      const { openTlogSource } = await import('../witness/tlog-source.js');
      const { Mirror } = await import('../witness/mirror.js');
      const { parsePolicy } = await import('../witness/policy.js');
      const { cosignerFromKey } = await import('../ledger/cosignature.js');
      const { createLogServer, listen, parseListen } = await import('../http/log-server.js');
      const { writeFileDurable } = await import('../storage/durable-file.js');
      const cfg = mirrorConfig(opts.dir, { ...(opts.from ? { from: opts.from } : {}), ...(opts.vkey ? { vkey: opts.vkey } : {}), ...(opts.format ? { format: opts.format } : {}) });
      const { recordStartInFile } = await import('../log/node-started.js');
      const { copy, storage } = openMirrorCopy(opts.dir, cfg.format);
      // Before it serves or cosigns anything (the copy itself is the log's, so the record is kept beside it).
      const started = recordStartInFile(join(opts.dir, 'starts.jsonl'), 'mirror', { from: cfg.from, vkey: cfg.vkey, format: cfg.format, listen: opts.listen ?? null, policy: opts.policy ?? null, cosigns: opts.key !== undefined, interval: opts.interval });
      const source = openTlogSource(cfg.from);
      const { Metrics } = await import('../export/metrics.js');
      const { mirrorMetrics } = await import('../export/component-metrics.js');
      const { registerOpsRoutes, startOpsServer } = await import('../export/health.js');
      const metrics = new Metrics('mirror');
      const progress = mirrorMetrics(metrics, () => mirror.size);
      const mirror = new Mirror({
        onProgress: (_size, target) => progress.synced(target),
        source,
        copy,
        logVkey: cfg.vkey,
        ...(opts.policy ? { policy: parsePolicy(readFileSync(opts.policy, 'utf8')) } : {}),
        ...(opts.key ? { cosigner: cosignerFromKey(readFileSync(opts.key, 'utf8').trim()) } : {}),
      });
      let evidenceFile: string | undefined;
      let lastError = '';
      const ops = {
        metrics,
        checks: [{ name: 'following', check: () => (evidenceFile ? `stopped: the log is inconsistent with the copy (evidence in ${evidenceFile})` : lastError ? `the last sync failed: ${lastError}` : undefined) }],
      };
      const opsServer = opts.metricsListen ? await startOpsServer(parseListen(opts.metricsListen).host, parseListen(opts.metricsListen).port, ops) : undefined;
      let url: string | undefined;
      let app: Awaited<ReturnType<typeof createLogServer>> | undefined;
      if (opts.listen) {
        const { host, port } = parseListen(opts.listen);
        app = await createLogServer({ storage, ...(opts.metricsListen ? {} : { extend: (a) => registerOpsRoutes(a, ops) }), health: () => ({ mirror: { from: cfg.from, started: { time: started.time, version: started.version, code: started.code.sha256, config: started.config.sha256 }, size: mirror.size, following: evidenceFile === undefined, ...(lastError ? { lastError } : {}), ...(evidenceFile ? { evidence: evidenceFile } : {}) } }) });
        url = await listen(app, host, port);
        note(opts.json, `ilog: mirror serving at ${url}`);
      }
      let stopped = false;
      let syncing: Promise<unknown> = Promise.resolve();
      let closed = false;
      const shutdown = async (): Promise<void> => {
        stopped = true;
        await syncing.catch(() => {}); // never close the copy under a running sync
        if (closed) return;
        closed = true;
        await app?.close();
        await opsServer?.app.close();
        copy.close();
        source.close?.();
      };
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
      // One line the caller (or a test) can wait for; --once prints only its result.
      if (!opts.once) printResult(opts.json, { mirroring: cfg.from, format: cfg.format, size: mirror.size, ...(url ? { url } : {}) }, `ilog: mirroring ${cfg.from} into ${opts.dir} (${cfg.format}, size ${mirror.size})${url ? ` at ${url}` : ''}`);
      while (!stopped) {
        try {
          const sync = mirror.syncOnce();
          syncing = sync;
          const r = await sync;
          progress.synced(r.size);
          if (r.copied > 0) note(opts.json, `ilog: mirrored ${r.copied} entries, size ${r.size}`);
          lastError = '';
          if (opts.once) break;
        } catch (err) {
          if (isIlogError(err, 'LOG_INCONSISTENT')) {
            const file = join(opts.dir, `evidence-${Date.now()}.json`);
            writeFileDurable(file, JSON.stringify((err as IlogError).toJSON(), null, 2) + '\n');
            evidenceFile = file;
            process.stderr.write(`ilog: MIRROR STOPPED: the log is inconsistent with what was mirrored; evidence in ${file}\n`);
            if (!app || opts.once) {
              await shutdown();
              throw err;
            }
            // Keep serving the verified copy; stop following the log.
            return;
          }
          progress.failed();
          const msg = err instanceof IlogError ? `${err.code}: ${err.message}` : String(err);
          if (msg !== lastError) process.stderr.write(`ilog: mirror: ${msg} (retrying)\n`);
          lastError = msg;
          if (opts.once) {
            await shutdown();
            throw err;
          }
        }
        await new Promise((r) => setTimeout(r, opts.interval));
      }
      if (opts.once) {
        await shutdown();
        printResult(opts.json, { size: mirror.size }, `ilog: mirror at size ${mirror.size}`);
      }
    }),
  );
}

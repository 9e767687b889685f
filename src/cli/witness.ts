// `ilog witness`: run a C2SP tlog-witness v1.0.0 server (`--listen`), make a
// witness directory (`init`), or show its state and evidence (`status`).
// The witness modules load inside each action: every `ilog` builds this tree.
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import type { GlobalOptions } from './output.js';

interface ServeOptions extends GlobalOptions {
  listen?: string;
  log?: string[];
  logs?: string;
  metricsListen?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command): void {
  const cmd = withCommonOptions(
    program
      .command('witness')
      .description('run a tlog-witness v1.0.0 server that cosigns checkpoints of the logs it follows')
      .option('--listen <host:port>', 'address to serve POST /add-checkpoint on (port 0 = any free port)')
      .option('--log <vkey>', 'vkey of a log to follow (repeatable; with init: written to <dir>/witness.logs, else in addition to it)', collect)
      .option('--logs <file>', 'file of "log <vkey>" lines (default <dir>/witness.logs)')
      .option('--metrics-listen <host:port>', 'serve /metrics, /healthz and /readyz on this address instead of the witness port'),
  ).action(
    action<ServeOptions, []>(async (opts) => {
      if (!opts.listen) throw new IlogError('USAGE', 'give --listen host:port (or use `ilog witness init` / `ilog witness status`)');
      const { loadWitnessDir } = await import('../witness/witness-files.js');
      const { WitnessStore } = await import('../witness/witness-store.js');
      const { Witness } = await import('../witness/witness.js');
      const { witnessServer } = await import('../witness/witness-server.js');
      const { cosignerFromKey } = await import('../ledger/cosignature.js');
      const { listen, parseListen } = await import('../http/log-server.js');
      const { nodeStartedEntry } = await import('../log/node-started.js');
      const cfg = loadWitnessDir(opts.dir, opts.log ?? [], opts.logs);
      const store = WitnessStore.open(opts.dir);
      store.recordStart(nodeStartedEntry('witness', { listen: opts.listen, logs: [...cfg.logs].sort() }));
      const witness = new Witness({
        store,
        cosigners: [cosignerFromKey(cfg.skey)],
        logKeys: cfg.logs,
        onEvidence: (e) => process.stderr.write(`witness: refused ${e.kind} checkpoint for ${e.origin}: ${e.detail} (evidence kept in witness.db)\n`),
      });
      const app = witnessServer(witness);
      const { Metrics } = await import('../export/metrics.js');
      const { instrumentHttp } = await import('../export/component-metrics.js');
      const { fileWritable, registerOpsRoutes, startOpsServer } = await import('../export/health.js');
      const { join } = await import('node:path');
      const metrics = new Metrics('witness');
      // add-checkpoint latency and failures (4xx/5xx) are the route's figures.
      instrumentHttp(app, metrics);
      const ops = {
        metrics,
        checks: [fileWritable('store-writable', join(opts.dir, 'witness.db'))],
      };
      if (!opts.metricsListen) registerOpsRoutes(app, ops);
      const { host, port } = parseListen(opts.listen);
      let opsServer: Awaited<ReturnType<typeof startOpsServer>> | undefined;
      const stop = async (): Promise<void> => {
        await opsServer?.app.close();
        await app.close();
        store.close();
        process.exit(0);
      };
      // Before the "listening" line: whoever reads it may signal at once.
      process.once('SIGTERM', () => void stop());
      process.once('SIGINT', () => void stop());
      const address = await listen(app, host, port);
      opsServer = opts.metricsListen ? await startOpsServer(parseListen(opts.metricsListen).host, parseListen(opts.metricsListen).port, ops) : undefined;
      const out = { ok: true, listening: address, vkey: cfg.vkey, logs: witness.origins };
      process.stdout.write(opts.json ? JSON.stringify(out) + '\n' : `witness listening on ${address}\nvkey ${cfg.vkey}\n`);
    }),
  );

  // Subcommands share `witness`'s --dir/--json/--log (commander hands options to the
  // parent wherever they are written), so they read the parent's options too.
  const withParent = <O>(opts: O): O & ServeOptions => ({ ...(cmd.opts() as ServeOptions), ...opts });
  cmd
    .command('init')
    .description('create a witness directory: a cosigner key (witness.key, witness.vkey) and witness.logs; --log adds logs to follow')
    .requiredOption('--name <name>', 'witness key name, e.g. witness.example.com/w1')
    .action(
    action<GlobalOptions & { name: string }, []>(async (sub) => {
      const opts = withParent(sub);
      const { initWitnessDir } = await import('../witness/witness-files.js');
      const { vkey } = await initWitnessDir(opts.dir, opts.name, opts.log ?? []);
      process.stdout.write(opts.json ? JSON.stringify({ ok: true, vkey }) + '\n' : `${vkey}\n`);
    }),
  );

  cmd.command('status').description('show the latest cosigned checkpoint per log and evidence of refused ones').action(
    action<GlobalOptions, []>(async (sub) => {
      const opts = withParent(sub);
      const { loadWitnessDir } = await import('../witness/witness-files.js');
      const { WitnessStore } = await import('../witness/witness-store.js');
      const cfg = loadWitnessDir(opts.dir);
      const store = WitnessStore.open(opts.dir);
      try {
        const logs = cfg.logs.map((vkey) => {
          const origin = vkey.slice(0, vkey.indexOf('+'));
          const s = store.latest(origin);
          return { origin, size: s?.size ?? 0, updated: s ? new Date(s.updatedMs).toISOString() : undefined, checkpoint: s?.note };
        });
        const evidence = store.evidence();
        const starts = store.starts();
        if (opts.json) process.stdout.write(JSON.stringify({ ok: true, vkey: cfg.vkey, logs, evidence, starts }) + '\n');
        else {
          process.stdout.write(`vkey ${cfg.vkey}\n`);
          for (const s of starts) process.stdout.write(`STARTED ${String(s.time)} version ${String(s.version)} code ${String((s.code as { sha256?: string } | undefined)?.sha256 ?? '').slice(0, 16)} config ${String((s.config as { sha256?: string } | undefined)?.sha256 ?? '').slice(0, 16)} pid ${String(s.pid)}\n`);
          for (const l of logs) process.stdout.write(`${l.origin} size ${l.size}${l.updated ? ` (updated ${l.updated})` : ''}\n`);
          for (const e of evidence) process.stdout.write(`EVIDENCE ${e.time} ${e.kind} ${e.origin} sizes ${e.oldSize}->${e.newSize}: ${e.detail}\n`);
        }
      } finally {
        store.close();
      }
    }),
  );
}

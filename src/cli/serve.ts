// `ilog serve`: the log service over HTTP (tlog-tiles read API, proofs, POST /add).
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';
import { DEFAULT_LISTEN } from './serve-defaults.js';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('serve')
      .description('serve the log over HTTP (C2SP tlog-tiles read API, proofs, authenticated POST /add)')
      .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN),
  ).action(
    action<GlobalOptions & { listen: string }, []>(async (opts) => {
      const { startLogService, stopOnSignals } = await import('./serve-log.js');
      const running = await startLogService(opts.dir, opts.listen);
      stopOnSignals(running.stop, () => note(opts.json, 'ilog: stopped'));
      printResult(opts.json, { url: running.url, origin: running.appender.origin }, `ilog: serving ${running.appender.origin} at ${running.url}`);
      note(opts.json, 'ilog: press Ctrl-C to stop');
    }),
  );
}

// `ilog demo` (what `npm start` runs): create a log in --dir on first start,
// serve it, and print how to append to it and verify it. The capture proxy and
// the demo company database join here as their areas land.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';
import { DEFAULT_LISTEN } from './serve-defaults.js';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('demo')
      .description('create a log in --dir if needed, serve it, and show how to use it')
      .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN),
  ).action(
    action<GlobalOptions & { listen: string }, []>(async (opts) => {
      const { initLog } = await import('../log/appender-init.js');
      const { LOG_FILES, readLogToken } = await import('../log/appender-files.js');
      const { startLogService, stopOnSignals } = await import('./serve-log.js');
      const { defaultOrigin } = await import('./init.js');
      const created = !existsSync(join(opts.dir, LOG_FILES.config));
      if (created) await initLog(opts.dir, { origin: defaultOrigin() });
      const running = await startLogService(opts.dir, opts.listen);
      stopOnSignals(running.stop, () => note(opts.json, 'ilog: stopped'));
      const token = readLogToken(opts.dir);
      const entry = `{"v":1,"kind":"access","time":"${new Date().toISOString()}","source":"app:demo","person":"alice","action":"view","purpose":"demo"}`;
      printResult(
        opts.json,
        { url: running.url, origin: running.appender.origin, dir: opts.dir, created },
        [
          `ilog demo: ${created ? 'created and ' : ''}serving log ${running.appender.origin} (${opts.dir}) at ${running.url}`,
          '',
          'Append an entry (JSON lines, one entry per line):',
          `  echo '${entry}' | npx ilog append --dir ${opts.dir}`,
          `  curl -s -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
          `       --data '${entry}' '${running.url}/add?wait=integrated'`,
          'Read it back (C2SP tlog-tiles):',
          `  curl -s ${running.url}/checkpoint`,
          'Verify everything (entries, tiles, signatures, genesis):',
          `  npx ilog verify --dir ${opts.dir}          # or: --url ${running.url} --vkey "$(npx ilog vkey --dir ${opts.dir})"`,
          '',
          'Press Ctrl-C to stop.',
        ].join('\n'),
      );
    }),
  );
}

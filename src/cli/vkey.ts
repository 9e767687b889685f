// `ilog vkey`: the log's verifier key (give it to auditors, witnesses, mirrors).
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

export function register(program: Command): void {
  withCommonOptions(program.command('vkey').description("print the log's verifier key (C2SP signed-note vkey)")).action(
    action<GlobalOptions, []>(async (opts) => {
      const { readLogVkey } = await import('../log/appender-files.js');
      const vkey = readLogVkey(opts.dir);
      printResult(opts.json, { vkey }, vkey);
    }),
  );
}

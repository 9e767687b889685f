// The `ilog` command tree (every subcommand registered through ./commands.ts),
// separate from main.ts so that tests can inspect it without running it.
import { Command } from 'commander';
import { commands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ilog')
    .description('Immutable Log for company data: a tamper-evident, witnessed record of every access')
    .version('0.1.0')
    .showHelpAfterError()
    // Throw instead of exiting so usage errors map to exit code 2 (see output.ts);
    // subcommands created after this line inherit the setting.
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

#!/usr/bin/env node
// ilog command-line entry point. Each subcommand lives in its own file and
// registers itself through ./commands.ts.
import { Command } from 'commander';
import { commands } from './commands.js';
import { reportError } from './output.js';

const program = new Command();
program
  .name('ilog')
  .description('Immutable Log for company data: a tamper-evident, witnessed record of every access')
  .version('0.1.0')
  .showHelpAfterError();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err, process.argv.includes('--json'));
});

#!/usr/bin/env node
// ilog command-line entry point. Each subcommand lives in its own file and
// registers itself through ./commands.ts (see ./program.ts).
import { reportError } from './output.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportError(err, process.argv.includes('--json'));
  });

#!/usr/bin/env node
// ilog command-line entry point. Each subcommand lives in its own file and
// registers itself through ./commands.ts (see ./program.ts).
import { reportError } from './output.js';
import { buildProgram } from './program.js';

// Everything ilog creates (log.db, proxy.db, keys, tokens, SQLite side files) is
// for its own user only, whatever the shell's umask says (issue #12).
process.umask(0o077);

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportError(err, process.argv.includes('--json'));
  });

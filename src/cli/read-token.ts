// `ilog read-token add|remove|list`: tokens for the log's read API (mirrors,
// auditors; --checkpoints-only for witnesses). Printed once; only hashes are
// kept in <dir>/read-tokens.json and <dir>/checkpoint-tokens.json. Clients
// pass one as $ILOG_READ_TOKEN. See src/http/log-read-auth.ts.
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

type Scoped = GlobalOptions & { checkpointsOnly?: boolean };

export function register(program: Command): void {
  const cmd = program.command('read-token').description('tokens for reading the log over HTTP (required when ilog serve listens beyond loopback)');
  const scopeOf = (o: Scoped): 'all' | 'checkpoints' => (o.checkpointsOnly ? 'checkpoints' : 'all');
  withCommonOptions(cmd.command('add <name>').description('issue a read token (printed once)').option('--checkpoints-only', 'a witness token: GET /checkpoint only')).action(
    action<Scoped, [string]>(async (opts, name) => {
      const { readTokenStore } = await import('../http/log-read-auth.js');
      const token = readTokenStore(opts.dir, scopeOf(opts)).add(name);
      printResult(opts.json, { name, token, scope: scopeOf(opts) }, `${token}\n(store it now: ilog keeps only its hash; clients pass it as ILOG_READ_TOKEN)`);
    }),
  );
  withCommonOptions(cmd.command('remove <name>').description('revoke a read token').option('--checkpoints-only', 'a witness token')).action(
    action<Scoped, [string]>(async (opts, name) => {
      const { readTokenStore } = await import('../http/log-read-auth.js');
      readTokenStore(opts.dir, scopeOf(opts)).remove(name);
      printResult(opts.json, { name, removed: true }, `removed ${name}`);
    }),
  );
  withCommonOptions(cmd.command('list').description('names holding a read token')).action(
    action<GlobalOptions, []>(async (opts) => {
      const { readTokenStore } = await import('../http/log-read-auth.js');
      const all = readTokenStore(opts.dir, 'all').names();
      const checkpoints = readTokenStore(opts.dir, 'checkpoints').names();
      printResult(opts.json, { all, checkpoints }, [...all.map((n) => `${n}\tall`), ...checkpoints.map((n) => `${n}\tcheckpoints`)].join('\n'));
    }),
  );
}

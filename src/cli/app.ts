// `ilog app add|remove|list`: application tokens for the capture API
// (POST /v1/access). The token is printed once; only its hash is kept in <dir>/apps.json.
// The token store loads inside each action: every `ilog` builds this command tree.
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

export function register(program: Command): void {
  const app = program.command('app').description('applications allowed to record accesses through POST /v1/access');
  withCommonOptions(
    app
      .command('add <name>')
      .description('issue a token for an application (printed once)')
      .option('--backfill', 'may record past accesses (more than 24 h old) with their original time, to import history')
      .option('--context', 'may send context (directory, relationships) through POST /v1/context'),
  ).action(
    action<GlobalOptions & { backfill?: boolean; context?: boolean }, [string]>(async (opts, name) => {
      const { appTokens } = await import('../server/alerting.js');
      const scopes = [...(opts.backfill ? ['backfill'] : []), ...(opts.context ? ['context'] : [])];
      const token = appTokens(opts.dir).add(name, new Date(), scopes);
      printResult(opts.json, { name, token, source: `app:${name}` }, `${token}\n(store it now: ilog keeps only its hash; entries from this app have source "app:${name}")`);
    }),
  );
  withCommonOptions(app.command('remove <name>').description("revoke an application's token")).action(
    action<GlobalOptions, [string]>(async (opts, name) => {
      const { appTokens } = await import('../server/alerting.js');
      appTokens(opts.dir).remove(name);
      printResult(opts.json, { name, removed: true }, `removed ${name}`);
    }),
  );
  withCommonOptions(app.command('list').description('applications with a token')).action(
    action<GlobalOptions, []>(async (opts) => {
      const { appTokens } = await import('../server/alerting.js');
      const names = appTokens(opts.dir).names();
      printResult(opts.json, { apps: names }, names.join('\n'));
    }),
  );
}

// `ilog breakglass request <person> --reason … --key …`: emergency access,
// granted at once for a short TTL and announced to every admin; unless the
// quorum ratifies it (`ilog breakglass ratify <grant> --key …`, an ordinary
// proposal) before the TTL ends, the person is locked automatically.
import type { Command } from 'commander';
import { parseDuration, targetOf, withTarget, type TargetOptions } from '../governance/cli-options.js';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError } from './output.js';

export function register(program: Command): void {
  const bg = program.command('breakglass').description('emergency access that the quorum must ratify');
  withTarget(
    withCommonOptions(
      bg
        .command('request')
        .description("request break-glass access for <person> (signed by the person's key or an admin's)")
        .argument('<person>')
        .requiredOption('--reason <text>', 'why (logged, sent to every admin)')
        .option('--ttl <duration>', 'how long the grant lasts (1m..1h)', '15m'),
    ),
  ).action(
    action<TargetOptions & { reason: string; ttl: string }, [string]>(async (opts, person) => {
      const ttlSeconds = Math.round(parseDuration(opts.ttl) / 1000);
      if (ttlSeconds < 60 || ttlSeconds > 3600) throw usageError('--ttl must be between 1m and 1h', { ttl: opts.ttl });
      const { act } = await import('../governance/actions.js');
      const { describe, signerOf } = await import('../governance/cli-support.js');
      const o = await act(targetOf(opts), signerOf(opts), { kind: 'breakglass', person, reason: opts.reason, ttlSeconds });
      printResult(opts.json, { ...o, grant: o.index }, `${describe(o, 'break-glass')}\ngrant ${o.index}; admins ratify with: ilog breakglass ratify ${o.index} --key <key>`);
    }),
  );
  withTarget(withCommonOptions(bg.command('ratify').description('propose ratifying a break-glass grant (needs the quorum)').argument('<grant>', 'index of the request entry'))).action(
    action<TargetOptions, [string]>(async (opts, grant) => {
      const { propose } = await import('../governance/actions.js');
      const { buildChange } = await import('../governance/change-args.js');
      const { describe, signerOf } = await import('../governance/cli-support.js');
      const o = await propose(targetOf(opts), signerOf(opts), (p) => ({ changes: [buildChange('breakglass.ratify', [grant], {}, p).change], verifiers: [] }));
      printResult(opts.json, { ...o }, describe(o, 'breakglass.ratify'));
    }),
  );
  withTarget(withCommonOptions(bg.command('list').description('break-glass grants and their state')), false).action(
    action<TargetOptions, []>(async (opts) => {
      const { loadPolicyMachine } = await import('../governance/target.js');
      const grants = [...(await loadPolicyMachine(targetOf(opts))).policy.grants.values()];
      const lines = grants.map((g) => {
        const state = g.expired !== undefined ? `expired into a lock at entry ${g.expired}` : g.ratified ? `ratified at entry ${g.ratified.index}` : `until ${g.until}`;
        return `${g.index}\t${g.person}\t${state}\t${g.reason}`;
      });
      printResult(opts.json, { grants }, lines.join('\n') || 'ilog: no break-glass grants');
    }),
  );
}

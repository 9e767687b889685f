// `ilog approve <proposal id>`: add your admin signature to a logged proposal.
import type { Command } from 'commander';
import { targetOf, withTarget, type TargetOptions } from '../governance/cli-options.js';
import { action, withCommonOptions } from './common.js';
import { printResult } from './output.js';

export function register(program: Command): void {
  withTarget(withCommonOptions(program.command('approve').description('approve a logged proposal with your admin key').argument('<id>', 'the proposal id (64 hex digits)'))).action(
    action<TargetOptions, [string]>(async (opts, id) => {
      const { approve } = await import('../governance/actions.js');
      const { describe, signerOf } = await import('../governance/cli-support.js');
      const outcome = await approve(targetOf(opts), signerOf(opts), id.trim().toLowerCase());
      printResult(opts.json, { ...outcome }, describe(outcome, 'proposal'));
    }),
  );
}

// `ilog lockdown --reason … --key …`: any one admin stops all data access at
// every proxy (sessions holding a live break-glass grant excepted).
// `ilog lockdown --lift --key …` proposes lifting it, which needs the quorum.
import type { Command } from 'commander';
import { targetOf, withTarget, type TargetOptions } from '../governance/cli-options.js';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError } from './output.js';

export function register(program: Command): void {
  withTarget(
    withCommonOptions(
      program
        .command('lockdown')
        .description('stop all data access now (one admin); --lift proposes ending it (quorum)')
        .option('--reason <text>', 'why (logged)')
        .option('--lift', 'propose lifting the lockdown instead'),
    ),
  ).action(
    action<TargetOptions & { reason?: string; lift?: boolean }, []>(async (opts) => {
      const { act, propose } = await import('../governance/actions.js');
      const { buildChange } = await import('../governance/change-args.js');
      const { describe, signerOf } = await import('../governance/cli-support.js');
      const t = targetOf(opts);
      const signer = signerOf(opts);
      if (opts.lift) {
        const o = await propose(t, signer, (p) => ({ changes: [buildChange('lockdown.lift', [], {}, p).change], verifiers: [] }), opts.reason ? { comment: opts.reason } : {});
        printResult(opts.json, { ...o }, describe(o, 'lockdown.lift'));
        return;
      }
      if (!opts.reason) throw usageError('--reason is required: say why everyone is being locked out');
      const o = await act(t, signer, { kind: 'lockdown', reason: opts.reason });
      printResult(opts.json, { ...o }, describe(o, 'lockdown'));
    }),
  );
}

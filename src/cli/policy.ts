// `ilog policy show [--json]`: the running policy, replayed from the log, with
// the entry (and approvers) behind every item. `ilog policy check`: compare the
// stores kept beside the log with it. `ilog policy deliver`: hand a person's
// SCRAM verifier to the proxy store (accepted only if the log commits to it).
import type { Command } from 'commander';
import { targetOf, withTarget, type TargetOptions } from '../governance/cli-options.js';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import { printResult } from './output.js';

export function register(program: Command): void {
  const policy = program.command('policy').description('the governance policy, as the log says');
  withTarget(withCommonOptions(policy.command('show').description('print the running policy and who made each part')), false).action(
    action<TargetOptions, []>(async (opts) => {
      const { loadPolicyMachine } = await import('../governance/target.js');
      const { formatPolicy } = await import('../governance/format.js');
      const { policyToJSON } = await import('../governance/policy.js');
      const p = (await loadPolicyMachine(targetOf(opts))).policy;
      printResult(opts.json, { policy: policyToJSON(p) }, formatPolicy(p));
    }),
  );
  withCommonOptions(policy.command('check').description('check proxy.db, config.json and governance.json against the log')).action(
    action<TargetOptions, []>(async (opts) => {
      const { checkStoreAgainstPolicy } = await import('../governance/store-check.js');
      const discrepancies = checkStoreAgainstPolicy(opts.dir);
      if (discrepancies.length > 0) {
        throw new IlogError('STORE_DIVERGES', `${discrepancies.length} store discrepanc${discrepancies.length === 1 ? 'y' : 'ies'} with the log`, { discrepancies });
      }
      printResult(opts.json, { discrepancies }, 'ilog: the stores agree with the log');
    }),
  );
  withCommonOptions(
    policy.command('deliver').description('deliver a SCRAM verifier to the proxy store (the log must commit to it)').requiredOption('--verifier <scram>', 'the verifier'),
  ).action(
    action<TargetOptions & { verifier: string }, []>(async (opts) => {
      const { deliverVerifiers } = await import('../governance/actions.js');
      const { loadPolicyMachine } = await import('../governance/target.js');
      deliverVerifiers(opts.dir, [opts.verifier], (await loadPolicyMachine({ dir: opts.dir })).policy);
      printResult(opts.json, {}, 'ilog: verifier delivered');
    }),
  );
}

// `ilog propose <op> [args]`: sign a governed change with your admin key and
// log it; it applies once the quorum has approved (docs/governance.md).
// Heavy modules load only when the command runs (every `ilog` builds this tree).
import type { Command } from 'commander';
import type { ChangeOptions } from '../governance/change-args.js';
import { parseDuration, targetOf, withTarget, type TargetOptions } from '../governance/cli-options.js';
import { action, withCommonOptions } from './common.js';
import { printResult } from './output.js';

interface ProposeOptions extends TargetOptions, Omit<ChangeOptions, 'password' | 'quorum' | 'personVkey'> {
  passwordStdin?: boolean;
  personVkey?: string | false;
  quorum?: string;
  comment?: string;
  ttl: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export function register(program: Command): void {
  withTarget(
    withCommonOptions(
      program
        .command('propose')
        .description('propose a governed change: person.add|update|credential|remove, purpose.set, admins.set, lock.lift, lockdown.lift, breakglass.ratify, witness.policy, logkey.rotate, alerts.routing, reviewer.key')
        .argument('<op>', 'the change, e.g. person.add')
        .argument('[args...]', 'its arguments, e.g. the person')
        .option('--role <role>', 'upstream PostgreSQL role (person.add, person.update)')
        .option('--verifier <scram>', 'SCRAM-SHA-256 verifier for the person (person.add, person.credential)')
        .option('--password-stdin', "read the person's new password from stdin and make the verifier here")
        .option('--person-vkey <vkey>', "the person's own key, for break-glass requests")
        .option('--no-person-vkey', "remove the person's key (person.update)")
        .option('--pattern <regex>', 'purpose pattern (purpose.set)')
        .option('--exempt <person>', 'person exempt from the purpose rule (repeatable)', collect)
        .option('--admin <vkey>', 'an admin of the new set (admins.set, repeatable)', collect)
        .option('--quorum <m>', 'approvals needed (admins.set)')
        .option('--comment <text>', 'why (logged with the proposal)')
        .option('--ttl <duration>', 'how long approvals are collected', '7d'),
    ),
  ).action(
    action<ProposeOptions, [string, string[]]>(async (opts, op, args) => {
      const { propose } = await import('../governance/actions.js');
      const { buildChange } = await import('../governance/change-args.js');
      const { describe, signerOf } = await import('../governance/cli-support.js');
      const signer = signerOf(opts);
      const password = opts.passwordStdin ? await readStdin() : undefined;
      const changeOpts: ChangeOptions = {
        ...(opts.role ? { role: opts.role } : {}),
        ...(opts.verifier ? { verifier: opts.verifier } : {}),
        ...(password !== undefined ? { password } : {}),
        // Commander's --no-person-vkey sets personVkey to false.
        ...(typeof opts.personVkey === 'string' ? { personVkey: opts.personVkey } : opts.personVkey === false ? { noPersonVkey: true } : {}),
        ...(opts.pattern ? { pattern: opts.pattern } : {}),
        ...(opts.exempt ? { exempt: opts.exempt } : {}),
        ...(opts.admin ? { admin: opts.admin } : {}),
        ...(opts.quorum ? { quorum: Number(opts.quorum) } : {}),
      };
      const outcome = await propose(
        targetOf(opts),
        signer,
        (policy) => {
          const built = buildChange(op, args, changeOpts, policy);
          return { changes: [built.change], verifiers: built.verifier ? [built.verifier] : [] };
        },
        { ttlMs: parseDuration(opts.ttl), ...(opts.comment ? { comment: opts.comment } : {}) },
      );
      printResult(opts.json, { ...outcome }, describe(outcome, op));
    }),
  );
}

// `ilog report verify <file>`: checks a subject access report offline
// (src/report/access-report.ts): the log key's signature over it, its checkpoint
// (and, with --policy, the witnesses' cosignatures per a tlog-policy), and every
// entry's inclusion proof. Exit 0 only if all hold; a changed byte fails.
import type { Command } from 'commander';
import { action, readText, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

interface VerifyOptions extends GlobalOptions {
  vkey?: string;
  policy?: string;
}

export function register(program: Command): void {
  const report = program.command('report').description('subject access reports (made in the console)');
  withCommonOptions(
    report
      .command('verify <file>')
      .description("check a subject access report (JSON or HTML) offline: the log's signature, the checkpoint, every inclusion proof")
      .option('--vkey <vkey>', "the log's verifier key, or a file holding it (default: the key the report names — pin it)")
      .option('--policy <file>', 'also require the checkpoint to be cosigned per this tlog-policy witness policy'),
  ).action(
    action<VerifyOptions, [string]>(async (opts, file) => {
      const { verifyAccessReport } = await import('../report/access-report.js');
      const { parsePolicy } = await import('../witness/policy.js');
      const vkey = opts.vkey === undefined ? undefined : opts.vkey.includes('+') ? opts.vkey.trim() : readText(opts.vkey, 'vkey').trim();
      const policy = opts.policy === undefined ? undefined : parsePolicy(readText(opts.policy, 'policy'));
      const r = verifyAccessReport(readText(file, 'report'), { ...(vkey ? { vkey } : {}), ...(policy ? { policy } : {}) });
      printResult(
        opts.json,
        { ok: true, ...r },
        `report OK: ${r.accesses} access(es) proven in checkpoint ${r.origin} @ ${r.size}` +
          (r.cosigners.length ? `, cosigned by ${r.cosigners.join(', ')}` : '') +
          (r.keyPinned ? '' : '\nnote: the log key was taken from the report itself; pin it with --vkey or --policy'),
      );
    }),
  );
}

// `ilog reviewer keygen <name>`: a reviewer's own key pair (src/alert/reviewer-key.ts).
// The private file (both private keys, 0600) stays with the reviewer; the
// `.pub.json` beside it goes to the admins, who register it in the log:
//   ilog propose reviewer.key <name> <name>.reviewer.pub.json --key <admin key>
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface KeygenOptions extends GlobalOptions {
  out?: string;
  force?: boolean;
}

export function register(program: Command): void {
  const reviewer = program.command('reviewer').description("reviewers' own keys (sign reviews, open confidential alerts)");
  withCommonOptions(
    reviewer
      .command('keygen <name>')
      .description('make a reviewer key pair: Ed25519 (signs reviews) and age X25519 (opens alerts); only the .pub.json leaves your machine')
      .option('--out <file>', 'private key file (default ./<name>.reviewer); the public one is <file>.pub.json')
      .option('--force', 'overwrite existing files'),
  ).action(
    action<KeygenOptions, [string]>(async (opts, name) => {
      const { isValidKeyName } = await import('../ledger/keys.js');
      if (!isValidKeyName(name)) throw usageError('the reviewer name must be non-empty, without spaces or "+"', { name });
      const { formatReviewerKey, generateReviewerKey } = await import('../alert/reviewer-key.js');
      const { writeFileDurable } = await import('../storage/durable-file.js');
      const out = opts.out ?? `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.reviewer`;
      const k = await generateReviewerKey(name);
      const pub = { reviewer: k.reviewer, vkey: k.vkey, recipient: k.recipient };
      writeFileDurable(out, formatReviewerKey(k), { mode: 0o600, exclusive: !opts.force });
      writeFileDurable(`${out}.pub.json`, JSON.stringify(pub, null, 2) + '\n', { mode: 0o644, exclusive: !opts.force });
      printResult(
        opts.json,
        { ...pub, file: out, public: `${out}.pub.json` },
        `${k.vkey}\n${k.recipient}\nprivate key: ${out} (keep it)\npublic keys: ${out}.pub.json → ask the admins: ilog propose reviewer.key ${name} ${out}.pub.json`,
      );
    }),
  );
}

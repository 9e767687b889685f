// `ilog keygen`: a fresh C2SP signed-note Ed25519 key pair. The private key
// (PRIVATE+KEY+<name>+<id>+<key>) goes to a 0600 file; the verifier key is printed.
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface KeygenOptions extends GlobalOptions {
  name: string;
  out?: string;
  force?: boolean;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('keygen')
      .description('generate an Ed25519 signed-note key pair (writes the private key 0600, prints the vkey)')
      .option('--name <name>', 'key name (for a log key: its origin, e.g. example.com/audit)', 'ilog')
      .option('--out <file>', 'private key file (default ./<name>.key)')
      .option('--force', 'overwrite an existing key file'),
  ).action(
    action<KeygenOptions, []>(async (opts) => {
      const { isValidKeyName } = await import('../ledger/keys.js');
      if (!isValidKeyName(opts.name)) throw usageError('--name must be non-empty, without spaces or "+"', { name: opts.name });
      const out = opts.out ?? `${opts.name.replace(/[^A-Za-z0-9._-]/g, '_')}.key`;
      const { generateKey } = await import('../ledger/note.js');
      const { writeFileDurable } = await import('../storage/durable-file.js');
      const { skey, vkey } = generateKey(opts.name);
      writeFileDurable(out, skey + '\n', { mode: 0o600, exclusive: !opts.force });
      printResult(opts.json, { vkey, file: out }, vkey);
    }),
  );
}

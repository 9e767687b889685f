// `ilog init`: create a log in --dir (keys, write token, genesis entry, first
// checkpoint; see src/log/appender-init.ts) and print its verifier key.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { note, printResult, usageError, type GlobalOptions } from './output.js';

/** Default origin: unique enough per machine, and a valid key name. */
export function defaultOrigin(): string {
  return `${hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost'}/ilog`;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('init')
      .description('create a new log in --dir and print its verifier key')
      .option('--origin <origin>', 'checkpoint origin (the log name), e.g. example.com/audit', defaultOrigin())
      // governance (docs/governance.md): the genesis ceremony names the admins and the quorum.
      .option('--admin <vkey>', "an admin's public key from `ilog keygen` (repeatable; makes the log governed)", (v: string, prev: string[] = []) => [...prev, v])
      .option('--quorum <m>', 'approvals a governed change needs (with --admin)')
      .option('--admin-key-out <file>', 'without --admin: where to write the 1-of-1 admin key made here (default <dir>.admin.key, outside the data directory)'),
  ).action(
    action<GlobalOptions & { origin: string; admin?: string[]; quorum?: string; adminKeyOut?: string }, []>(async (opts) => {
      const { initLog } = await import('../log/appender-init.js');
      const { LOG_FILES } = await import('../log/appender-files.js');
      // governance: validated before anything is written.
      if (opts.quorum !== undefined && !opts.admin) throw usageError('--quorum needs --admin <vkey> (one per admin)');
      const { governanceGenesis } = await import('../governance/genesis.js');
      if (opts.admin && opts.quorum === undefined) throw usageError('--admin needs --quorum <m>: how many admins must approve a change');
      if (opts.admin && opts.adminKeyOut) throw usageError('--admin-key-out is for a log without --admin (its one admin key is made here)');
      // No hidden admin powers: a log without --admin still has one, a 1-of-1 key kept outside the data directory.
      const { createAdminKey, defaultAdminKeyFile } = await import('../governance/admin-key.js');
      const made = opts.admin ? undefined : createAdminKey(opts.adminKeyOut ?? defaultAdminKeyFile(opts.dir));
      const genesis = governanceGenesis(opts.admin ?? [made!.vkey], opts.admin ? Number(opts.quorum) : 1);
      let log;
      try {
        log = await initLog(opts.dir, { origin: opts.origin, genesis });
      } catch (e) {
        made?.remove();
        throw e;
      }
      const tokenFile = join(opts.dir, LOG_FILES.token);
      printResult(opts.json, { dir: opts.dir, origin: log.origin, vkey: log.vkey, tokenFile, checkpoint: log.checkpoint, ...(made ? { adminKeyFile: made.file } : {}) }, log.vkey);
      note(opts.json, `ilog: created log ${log.origin} in ${opts.dir} (write token in ${tokenFile})`);
      if (made) note(opts.json, `ilog: admin key (1 of 1) in ${made.file}: keep it off the server's disks; \`ilog user\`, \`ilog lock\` and \`ilog propose\` sign with it (--key)`);
    }),
  );
}

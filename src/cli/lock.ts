// `ilog lock <person>` / `ilog unlock <person>`: append `lock.set` /
// `lock.lifted` to the local log. Every proxy following the log ends the
// person's live sessions within a second and refuses new ones.
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

async function appendOne(dir: string, entry: object): Promise<number> {
  const { Appender } = await import('../log/appender.js');
  const appender = await Appender.open(dir);
  try {
    return await appender.append(entry);
  } finally {
    await appender.close();
  }
}

export function register(program: Command): void {
  for (const [name, make, verb] of [
    ['lock', 'lockSetEntry', 'locked'],
    ['unlock', 'lockLiftedEntry', 'unlocked'],
  ] as const) {
    withCommonOptions(
      program
        .command(name)
        .description(name === 'lock' ? "end a person's proxy sessions and refuse new ones" : 'lift a lock')
        .argument('<person>')
        .option('--reason <text>', 'why (logged)')
        // governance: on a governed log a lock is signed by one admin, an unlock is a quorum proposal.
        .option('--key <file>', 'your admin key (governed logs: lock = one signature, unlock = a lock.lift proposal)')
        .option('--url <url>', 'governed logs: submit through a running log service')
        .option('--token <token>', 'write token for --url'),
    ).action(
      action<GlobalOptions & { reason?: string; key?: string; url?: string; token?: string }, [string]>(async (opts, person) => {
        (await import('../capture/directory.js')).checkPerson(person);
        if (opts.key || opts.url || (await import('../governance/genesis.js')).isGoverned(opts.dir)) {
          const r = await (await import('../governance/cli-support.js')).governedLockCommand(name, person, opts);
          printResult(opts.json, r.data, r.text);
          return;
        }
        const entry = (await import('../capture/locks.js'))[make](person, opts.reason);
        const index = await appendOne(opts.dir, entry);
        printResult(opts.json, { person, index }, `${verb} ${person} (log entry ${index})`);
      }),
    );
  }
}

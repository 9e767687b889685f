// `ilog lock <person>` / `ilog unlock <person>`: append `lock.set` /
// `lock.lifted` to the local log. Every proxy following the log ends the
// person's live sessions within a second and refuses new ones.
import type { Command } from 'commander';
import { checkPerson } from '../capture/directory.js';
import { lockLiftedEntry, lockSetEntry } from '../capture/locks.js';
import { Appender } from '../log/appender.js';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

async function appendOne(dir: string, entry: object): Promise<number> {
  const appender = await Appender.open(dir);
  try {
    return await appender.append(entry);
  } finally {
    await appender.close();
  }
}

export function register(program: Command): void {
  for (const [name, make, verb] of [
    ['lock', lockSetEntry, 'locked'],
    ['unlock', lockLiftedEntry, 'unlocked'],
  ] as const) {
    withCommonOptions(
      program
        .command(name)
        .description(name === 'lock' ? "end a person's proxy sessions and refuse new ones" : 'lift a lock')
        .argument('<person>')
        .option('--reason <text>', 'why (logged)'),
    ).action(
      action<GlobalOptions & { reason?: string }, [string]>(async (opts, person) => {
        checkPerson(person);
        const index = await appendOne(opts.dir, make(person, opts.reason));
        printResult(opts.json, { person, index }, `${verb} ${person} (log entry ${index})`);
      }),
    );
  }
}

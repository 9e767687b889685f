// `ilog user add|remove|list`: the persons who may log in to the capture
// proxy and the upstream role each is mapped to. Every change is a log entry
// (`user.added` / `user.removed`); the SCRAM verifier goes to <dir>/proxy.db
// and only its SHA-256 commitment goes to the log.
import type { Command } from 'commander';
import type { ReplayedDirectory, VerifierStore } from '../capture/directory.js';
import { IlogError } from '../ledger/errors.js';
import type { Appender } from '../log/appender.js';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Opens the log and the verifier store, with the directory replayed from the log. */
async function openDirectory(dir: string): Promise<{ appender: Appender; store: VerifierStore; directory: ReplayedDirectory; close(): Promise<void> }> {
  const { Appender } = await import('../log/appender.js');
  const { ReplayedDirectory, VerifierStore } = await import('../capture/directory.js');
  const { replayOnce } = await import('../capture/pg/replay.js');
  const appender = await Appender.open(dir);
  const store = new VerifierStore(dir);
  const directory = new ReplayedDirectory(store);
  replayOnce(appender.storage, [(i, e) => directory.apply(i, e)]);
  return { appender, store, directory, close: async () => (store.close(), await appender.close()) };
}

export function register(program: Command): void {
  const user = program.command('user').description('persons who may use the capture proxy, and their upstream roles');
  withCommonOptions(
    user
      .command('add')
      .description('add a person (password read from stdin)')
      .argument('<person>')
      .requiredOption('--upstream-role <role>', 'PostgreSQL role the proxy logs in as for this person')
      .option('--password-stdin', 'read the password from the first line of stdin (required)'),
  ).action(
    action<GlobalOptions & { upstreamRole: string; passwordStdin?: boolean }, [string]>(async (opts, person) => {
      const { checkPerson, checkRole, userAddedEntry } = await import('../capture/directory.js');
      checkPerson(person);
      checkRole(opts.upstreamRole);
      // governance: on a governed log persons change only with the quorum.
      (await import('../governance/genesis.js')).assertNotGoverned(opts.dir, `propose it: ilog propose person.add ${person} --role ${opts.upstreamRole} --password-stdin --key <admin key>`);
      if (!opts.passwordStdin) throw usageError('pass --password-stdin and the password on stdin (never on the command line)');
      const password = await readStdinLine();
      if (password.length < 8) throw usageError('the password must be at least 8 characters');
      const d = await openDirectory(opts.dir);
      try {
        if (d.directory.has(person)) throw new IlogError('USER_EXISTS', `person "${person}" already exists; remove them first to change role or password`, { person });
        const { makeVerifier } = await import('../capture/pg/scram.js');
        const verifier = makeVerifier(password);
        d.store.put(verifier); // durable before the log names its commitment
        const index = await d.appender.append(userAddedEntry(person, opts.upstreamRole, verifier));
        printResult(opts.json, { person, role: opts.upstreamRole, index }, `added ${person} → role ${opts.upstreamRole} (log entry ${index})`);
      } finally {
        await d.close();
      }
    }),
  );
  withCommonOptions(user.command('remove').description('remove a person').argument('<person>')).action(
    action<GlobalOptions, [string]>(async (opts, person) => {
      // governance: on a governed log persons change only with the quorum.
      (await import('../governance/genesis.js')).assertNotGoverned(opts.dir, `propose it: ilog propose person.remove ${person} --key <admin key>`);
      const d = await openDirectory(opts.dir);
      try {
        if (!d.directory.has(person)) throw new IlogError('USER_NOT_FOUND', `no person "${person}"; see \`ilog user list\``, { person });
        const { userRemovedEntry } = await import('../capture/directory.js');
        const index = await d.appender.append(userRemovedEntry(person));
        printResult(opts.json, { person, index }, `removed ${person} (log entry ${index})`);
      } finally {
        await d.close();
      }
    }),
  );
  withCommonOptions(user.command('list').description('list persons and their upstream roles')).action(
    action<GlobalOptions, []>(async (opts) => {
      // governance: on a governed log the persons are those the quorum added.
      if ((await import('../governance/genesis.js')).isGoverned(opts.dir)) {
        const { loadPolicyMachine } = await import('../governance/target.js');
        const users = [...(await loadPolicyMachine({ dir: opts.dir })).policy.persons.values()].map((p) => ({ person: p.name, role: p.role })).sort((a, b) => a.person.localeCompare(b.person));
        printResult(opts.json, { users }, users.map((u) => `${u.person}\t${u.role}`).join('\n'));
        return;
      }
      const d = await openDirectory(opts.dir);
      try {
        const users = d.directory.list();
        printResult(opts.json, { users }, users.map((u) => `${u.person}\t${u.role}`).join('\n'));
      } finally {
        await d.close();
      }
    }),
  );
}

// `ilog user add|remove|list`: the persons who may log in to the capture
// proxy and the upstream role each is mapped to. On a governed log (every log
// `ilog init` makes) a change is a person.add / person.remove proposal signed
// with the admin key (--key, default <dir>.admin.key); on a log made before
// that, a `user.added` / `user.removed` entry. Either way the SCRAM verifier
// goes to <dir>/proxy.db and only its SHA-256 commitment goes to the log.
import type { Command } from 'commander';
import type { ReplayedDirectory, VerifierStore } from '../capture/directory.js';
import { IlogError } from '../ledger/errors.js';
import type { Appender } from '../log/appender.js';
import type { GovernanceSigner } from '../governance/signing.js';
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

/**
 * On a governed log: the admin signer (--key, else the key `ilog init` left
 * beside the directory), or GOVERNED naming `instead` when there is none.
 * Undefined on a log made before every log was governed.
 */
async function governedSigner(opts: { dir: string; key?: string }, instead: string): Promise<GovernanceSigner | undefined> {
  const { isGoverned, assertNotGoverned } = await import('../governance/genesis.js');
  if (!isGoverned(opts.dir)) return undefined;
  const signer = (await import('../governance/admin-key.js')).findAdminSigner(opts.dir, opts.key);
  if (!signer) assertNotGoverned(opts.dir, instead);
  return signer;
}

export function register(program: Command): void {
  const user = program.command('user').description('persons who may use the capture proxy, and their upstream roles');
  withCommonOptions(
    user
      .command('add')
      .description('add a person (password read from stdin)')
      .argument('<person>')
      .requiredOption('--upstream-role <role>', 'PostgreSQL role the proxy logs in as for this person')
      .option('--password-stdin', 'read the password from the first line of stdin (required)')
      .option('--key <file>', 'admin key (governed logs; default <dir>.admin.key from `ilog init`)'),
  ).action(
    action<GlobalOptions & { upstreamRole: string; passwordStdin?: boolean; key?: string }, [string]>(async (opts, person) => {
      const { checkPerson, checkRole, userAddedEntry } = await import('../capture/directory.js');
      checkPerson(person);
      checkRole(opts.upstreamRole);
      const signer = await governedSigner(opts, `propose it: ilog propose person.add ${person} --role ${opts.upstreamRole} --password-stdin --key <admin key>`);
      if (!opts.passwordStdin) throw usageError('pass --password-stdin and the password on stdin (never on the command line)');
      const password = await readStdinLine();
      if (password.length < 8) throw usageError('the password must be at least 8 characters');
      if (signer) {
        const { makeVerifier } = await import('../capture/pg/scram.js');
        const { addPerson } = await import('../governance/persons.js');
        const { describe } = await import('../governance/cli-support.js');
        const out = await addPerson({ dir: opts.dir }, signer, person, opts.upstreamRole, makeVerifier(password));
        printResult(opts.json, { person, role: opts.upstreamRole, ...out }, describe(out, `person.add of ${person}`));
        return;
      }
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
  withCommonOptions(user.command('remove').description('remove a person').argument('<person>').option('--key <file>', 'admin key (governed logs; default <dir>.admin.key)')).action(
    action<GlobalOptions & { key?: string }, [string]>(async (opts, person) => {
      const signer = await governedSigner(opts, `propose it: ilog propose person.remove ${person} --key <admin key>`);
      if (signer) {
        const { removePerson } = await import('../governance/persons.js');
        const { describe } = await import('../governance/cli-support.js');
        const out = await removePerson({ dir: opts.dir }, signer, person);
        printResult(opts.json, { person, ...out }, describe(out, `person.remove of ${person}`));
        return;
      }
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

// `ilog demo` (what `npm start` runs): the whole system in one process on
// embedded defaults (docs/demo.md). On first start it creates a log in --dir,
// the demo company database (PGlite, seeded) under <dir>/demo-db, the sample
// person `alice` (as `ilog user add` would) and an alerting config whose alerts
// are printed on this console. Then it runs the log service (read API, /add,
// /v1/access, /v1/alerts, detector), the database and the capture proxy in
// front of it, and prints how to use them. Ctrl-C stops everything.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';
import { DEFAULT_LISTEN } from './serve-defaults.js';

interface DemoOptions extends GlobalOptions {
  listen: string;
  proxyListen: string;
  dbListen: string;
}

const PERSON = 'alice';
const PERSON_ROLE = 'postgres'; // PGlite accepts any role; the proxy logs in upstream as this one
const PURPOSE = 'TICKET-1234';
const REVIEWER = 'dana';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('demo')
      .description('run log service, capture proxy and a demo company database in one process, and show how to use them')
      .option('--listen <host:port>', 'log service address', DEFAULT_LISTEN)
      .option('--proxy-listen <host:port>', 'capture proxy address (psql connects here)', '127.0.0.1:6432')
      .option('--db-listen <host:port>', 'demo database address (port 0: any free port)', '127.0.0.1:0'),
  ).action(action<DemoOptions, []>(runDemo));
}

/** Stops what has started, last first; errors are reported, not thrown (shutdown must finish). */
class Stack {
  #items: { name: string; stop: () => Promise<void> }[] = [];
  push(name: string, stop: () => Promise<void>): void {
    this.#items.push({ name, stop });
  }
  async unwind(): Promise<void> {
    for (const { name, stop } of this.#items.reverse()) {
      await stop().catch((e: unknown) => process.stderr.write(`ilog demo: stopping ${name}: ${String(e)}\n`));
    }
    this.#items = [];
  }
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const { parseListen } = await import('../http/log-server.js');
  const proxyAt = parseListen(opts.proxyListen);
  const dbAt = parseListen(opts.dbListen);
  const { initLog } = await import('../log/appender-init.js');
  const { LOG_FILES } = await import('../log/appender-files.js');
  const { defaultOrigin } = await import('./init.js');
  const { readCredentials, writeCredentials, newPassword } = await import('../server/demo/credentials.js');
  const { writeDemoAlertConfig } = await import('../server/demo/config-files.js');
  const { loadHmacKey, hmacValue } = await import('../capture/pg/entries.js');
  const { assertPortFree, portError } = await import('../server/demo/ports.js');

  // Lock first: two demos racing on one directory must not both create the log.
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const { lockDemoDir } = await import('../server/demo/run-lock.js');
  const release = lockDemoDir(opts.dir);
  const stack = new Stack();
  stack.push('demo lock', async () => release());
  const say = (text: string): void => note(opts.json, text);
  try {
    const created = !existsSync(join(opts.dir, LOG_FILES.config));
    if (created) {
      // Governed like every log `ilog init` makes: one admin key beside the directory.
      const { createAdminKey, defaultAdminKeyFile } = await import('../governance/admin-key.js');
      const { governanceGenesis } = await import('../governance/genesis.js');
      const key = createAdminKey(defaultAdminKeyFile(opts.dir));
      try {
        await initLog(opts.dir, { origin: defaultOrigin(), genesis: governanceGenesis([key.vkey], 1) });
      } catch (e) {
        key.remove();
        throw e;
      }
    }
    await assertPortFree(parseListen(opts.listen), '--listen');
    await assertPortFree(proxyAt, '--proxy-listen');
    let creds = readCredentials(opts.dir);
    const firstSetup = creds === undefined;
    if (firstSetup) {
      const key = loadHmacKey(opts.dir);
      writeDemoAlertConfig(opts.dir, (v) => hmacValue(key, v));
    }
    say(`ilog demo: starting the demo company database${firstSetup ? ' (first start: creating and seeding it, this takes a while)' : ''}…`);
    const { startCompanyDb } = await import('../server/demo/company-db.js');
    const { withDefaultWasmTiering } = await import('../server/demo/wasm-scope.js');
    mkdirSync(join(opts.dir, 'demo-db'), { recursive: true });
    const db = await withDefaultWasmTiering(() => startCompanyDb({ dataDir: join(opts.dir, 'demo-db'), ...dbAt })).catch((e: unknown) => {
      throw portError(e, dbAt, '--db-listen');
    });
    stack.push('demo database', () => db.stop());

    const { startLogService } = await import('../server/serve.js');
    const { withDemoInbox } = await import('../server/demo/inbox.js');
    const running = await startLogService(opts.dir, opts.listen, { alertChannels: withDemoInbox((t) => (opts.json ? process.stderr : process.stdout).write(t + '\n')) });
    stack.push('log service', () => running.stop());

    const { ensurePerson, hasPerson } = await import('../server/demo/person.js');
    if (firstSetup) {
      if (hasPerson(opts.dir, running.appender.storage, PERSON)) {
        throw new IlogError('DEMO_CREDENTIALS_LOST', `${PERSON} exists in the log but ${opts.dir}/demo-credentials.txt is gone; start afresh with another --dir`, { dir: opts.dir });
      }
      creds = { password: newPassword() };
      if (running.features.alerting) {
        const { reviewerTokens } = await import('../server/alerting.js');
        const tokens = reviewerTokens(opts.dir);
        if (!tokens.names().includes(REVIEWER)) creds.reviewerToken = tokens.add(REVIEWER);
      }
      writeCredentials(opts.dir, creds); // before the log commits to the password's verifier
    }
    const password = creds!.password;
    await ensurePerson(opts.dir, running.appender, PERSON, PERSON_ROLE, () => password);
    // The reviewer signs reviews with their own key, registered by the admin key (docs/alert.md).
    const reviewerKey = running.features.alerting ? await (await import('../server/demo/reviewer.js')).ensureReviewerKey(opts.dir, REVIEWER) : undefined;

    const { startDemoProxy } = await import('../server/demo/proxy.js');
    const proxy = await startDemoProxy({
      dir: opts.dir,
      appender: running.appender,
      upstream: { host: db.host, port: db.port },
      listen: proxyAt,
      onError: (e) => process.stderr.write(`ilog proxy: ${e instanceof Error ? e.message : String(e)}\n`),
    });
    stack.push('capture proxy', () => proxy.close());

    const { banner, psqlCommand, connectionUrl } = await import('../server/demo/banner.js');
    const facts = {
      dir: opts.dir,
      origin: running.appender.origin,
      logUrl: running.url,
      proxy: { host: proxy.host, port: proxy.port },
      db: { host: db.host, port: db.port },
      person: PERSON,
      password,
      purpose: PURPOSE,
      created,
      alerting: running.features.alerting,
      ...(creds!.reviewerToken ? { reviewerToken: creds!.reviewerToken } : {}),
      ...(reviewerKey ? { reviewerKey } : {}),
    };
    const { stopOnSignals } = await import('../server/serve.js');
    stopOnSignals(() => stack.unwind(), () => say('ilog demo: stopped'));
    printResult(opts.json, { url: running.url, proxy: facts.proxy, db: facts.db, person: PERSON, password, purpose: PURPOSE, connection: connectionUrl(facts), psql: psqlCommand(facts), origin: facts.origin, dir: opts.dir, created, alerting: facts.alerting }, banner(facts));
  } catch (e) {
    await stack.unwind();
    throw e;
  }
}

// Test fixture: a real PostgreSQL 15 cluster, a real SQLite log (storage +
// group-commit sequencer) and an ilog proxy in front of the cluster, with
// helpers to add persons, lock them and read the log back.
import canonicalize from 'canonicalize';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ReplayedDirectory, VerifierStore, userAddedEntry } from '../../src/capture/directory.js';
import { ReplayedLocks, lockSetEntry, lockLiftedEntry } from '../../src/capture/locks.js';
import type { AccessLog } from '../../src/capture/pg/access-log.js';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { makeVerifier } from '../../src/capture/pg/scram.js';
import { ProxyServer, type ProxyOptions } from '../../src/capture/pg/server.js';
import { parseUpstreamUrl } from '../../src/capture/pg/upstream.js';
import { Sequencer } from '../../src/log/sequencer.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { PgCluster } from '../helpers/pg-cluster.js';

export type Entry = Record<string, any> & { kind: string; index: number };

/** A durable local log: SQLite storage behind the group-commit sequencer. */
export class TestLog implements AccessLog {
  readonly storage: SqliteLogStorage;
  readonly sequencer: Sequencer;
  /** When set, append fails with this error (fault injection)… */
  failWith: Error | undefined;
  /** …for entries of this kind only, when set (e.g. 'outcome': the statement runs, its outcome cannot be written). */
  failKind: string | undefined;
  /** When set, append never resolves (a log that hangs). */
  hang = false;
  /** When set, every commit waits for this promise first (a slow disk the test controls). */
  commitGate: Promise<void> | undefined;
  /** When set, appends are accepted and their commit fails after `delayMs` (the disk filled up under the commit). */
  commitFault: { delayMs: number; error: Error } | undefined;
  /** When set, the next commit fails with this error (once; the disk fills up under exactly that commit). */
  failNextCommit: Error | undefined;
  constructor(dir: string, busyTimeoutMs?: number) {
    this.storage = SqliteLogStorage.open(dir, busyTimeoutMs === undefined ? {} : { busyTimeoutMs });
    this.sequencer = new Sequencer(async (entries) => {
      if (this.commitGate) await this.commitGate;
      const once = this.failNextCommit;
      if (once) {
        this.failNextCommit = undefined;
        throw once;
      }
      const fault = this.commitFault;
      if (fault) {
        await new Promise((r) => setTimeout(r, fault.delayMs));
        throw fault.error;
      }
      return this.storage.appendBatch(entries).first;
    });
  }
  append(entry: object): Promise<number> {
    // The proxy hands canonical bytes on its hot path: the fault injector reads their kind.
    const kind = entry instanceof Uint8Array ? (JSON.parse(Buffer.from(entry).toString('utf8')) as { kind?: string }).kind : (entry as { kind?: string }).kind;
    if (this.failWith && (this.failKind === undefined || kind === this.failKind)) return Promise.reject(this.failWith);
    if (this.hang) return new Promise(() => {});
    return this.sequencer.enqueue([entry instanceof Uint8Array ? entry : Buffer.from(canonicalize(entry)!, 'utf8')]);
  }
  entries(): Entry[] {
    return this.storage.readEntries(0, this.storage.size()).map((b, index) => ({ ...JSON.parse(Buffer.from(b).toString('utf8')), index }));
  }
}

export interface ProxyFixture {
  dir: string;
  log: TestLog;
  proxy: ProxyServer;
  port: number;
  locks: ReplayedLocks;
  directory: ReplayedDirectory;
  hmacKey: Buffer;
  addUser(person: string, role: string, password: string): Promise<void>;
  lock(person: string, reason?: string): Promise<void>;
  unlock(person: string): Promise<void>;
  /** A node-postgres client config for `person` through the proxy. */
  client(person: string, password: string, extra?: Partial<pg.ClientConfig>): pg.ClientConfig;
  close(): Promise<void>;
}

/**
 * How access `index` ended: the access entry's own `outcome` (a statement overlapped with its entry,
 * docs/proxy.md) or the `outcome` entry naming it; undefined while neither is in the log.
 */
export function outcomeOf(entries: Entry[], index: number): Record<string, unknown> | undefined {
  return (entries[index]?.kind === 'access' ? entries[index].outcome : undefined) ?? entries.find((e) => e.kind === 'outcome' && e.access === index);
}

/** Polls `fn` until it returns a truthy value (bounded: `tries` × `everyMs`). */
export async function waitFor<T>(fn: () => T | Promise<T>, tries = 100, everyMs = 50): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await fn();
    if (v) return v;
    if (i >= tries) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startProxy(cluster: PgCluster, opts: Partial<ProxyOptions> & { busyTimeoutMs?: number } = {}): Promise<ProxyFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ilog-proxy-'));
  const log = new TestLog(dir, opts.busyTimeoutMs);
  const store = new VerifierStore(dir);
  const directory = new ReplayedDirectory(store);
  const locks = new ReplayedLocks();
  const up = parseUpstreamUrl(cluster.url);
  const hmacKey = loadHmacKey(dir);
  const apply = async (entry: object): Promise<void> => {
    const index = await log.append(entry);
    directory.apply(index, entry as never);
    locks.apply(index, entry as never);
  };
  const proxy = new ProxyServer({
    log,
    users: directory,
    locks,
    upstream: up.target,
    credentials: (role) => (role === up.credentials.user ? up.credentials : { user: role, password: `${role}-secret` }),
    defaultDatabase: 'postgres',
    hmacKey,
    onError: () => {},
    ...opts,
  });
  const { port } = await proxy.listen(0);
  return {
    dir,
    log,
    proxy,
    port,
    locks,
    directory,
    hmacKey,
    async addUser(person, role, password) {
      const verifier = makeVerifier(password);
      store.put(verifier);
      await apply(userAddedEntry(person, role, verifier));
    },
    lock: (person, reason) => apply(lockSetEntry(person, reason)),
    unlock: (person) => apply(lockLiftedEntry(person)),
    client: (person, password, extra = {}) => ({ host: '127.0.0.1', port, user: person, password, database: 'postgres', ...extra }),
    async close() {
      await proxy.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

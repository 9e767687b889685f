// The proxy's user directory: which persons may log in, as which upstream
// role, with which SCRAM-SHA-256 verifier. The log holds who was added and
// removed (`user.added` carries the person, the role and a SHA-256 commitment
// to the verifier, never the verifier); `<dir>/proxy.db` holds the verifiers
// themselves. A verifier counts only if its commitment is in the log, so
// editing proxy.db alone cannot add a person.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';

export interface DirectoryUser {
  person: string;
  role: string;
  /** PostgreSQL-format SCRAM-SHA-256 verifier. */
  verifier: string;
}

export interface UserDirectory {
  /** The person's login data, or undefined when unknown (or their verifier is missing). */
  lookup(person: string): DirectoryUser | undefined;
  /** Persons and roles, sorted by person. */
  list(): { person: string; role: string }[];
}

const PERSON = /^[A-Za-z0-9._@+-]{1,128}$/;
const ROLE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

export function checkPerson(person: string): void {
  if (!PERSON.test(person)) throw new IlogError('USAGE', 'a person is 1-128 characters of letters, digits and . _ @ + -', { person });
}
export function checkRole(role: string): void {
  if (!ROLE.test(role)) throw new IlogError('USAGE', 'an upstream role is a PostgreSQL identifier (letters, digits, _)', { role });
}

export function verifierCommitment(verifier: string): string {
  return createHash('sha256').update(verifier, 'utf8').digest('hex');
}

export function userAddedEntry(person: string, role: string, verifier: string): object {
  return { v: 1, kind: 'user.added', time: new Date().toISOString(), person, role, verifierSha256: verifierCommitment(verifier) };
}
export function userRemovedEntry(person: string): object {
  return { v: 1, kind: 'user.removed', time: new Date().toISOString(), person };
}

/** `<dir>/proxy.db`: verifiers by commitment (SQLite, WAL, synchronous=FULL). */
export class VerifierStore {
  #db: Database.Database;
  #get;
  #put;

  constructor(dir: string) {
    this.#db = new Database(join(dir, 'proxy.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec('CREATE TABLE IF NOT EXISTS verifiers (commitment TEXT PRIMARY KEY, verifier TEXT NOT NULL)');
    this.#get = this.#db.prepare('SELECT verifier FROM verifiers WHERE commitment = ?').pluck();
    this.#put = this.#db.prepare('INSERT OR IGNORE INTO verifiers (commitment, verifier) VALUES (?, ?)');
  }

  /** Stores a verifier durably; returns its commitment. */
  put(verifier: string): string {
    const c = verifierCommitment(verifier);
    this.#put.run(c, verifier);
    return c;
  }

  get(commitment: string): string | undefined {
    return this.#get.get(commitment) as string | undefined;
  }

  close(): void {
    this.#db.close();
  }
}

/** UserDirectory rebuilt by replaying `user.*` entries in log order. */
export class ReplayedDirectory implements UserDirectory {
  #users = new Map<string, { role: string; commitment: string }>();
  #store: VerifierStore;

  constructor(store: VerifierStore) {
    this.#store = store;
  }

  apply(_index: number, entry: { kind?: unknown; person?: unknown; role?: unknown; verifierSha256?: unknown }): void {
    if (typeof entry.person !== 'string') return;
    if (entry.kind === 'user.added' && typeof entry.role === 'string' && typeof entry.verifierSha256 === 'string') {
      // A commitment is public: a second person naming one already held would log in with its password.
      const commitment = entry.verifierSha256;
      if ([...this.#users].some(([p, u]) => u.commitment === commitment && p !== entry.person)) return;
      this.#users.set(entry.person, { role: entry.role, commitment });
    } else if (entry.kind === 'user.removed') this.#users.delete(entry.person);
  }

  lookup(person: string): DirectoryUser | undefined {
    const u = this.#users.get(person);
    if (!u) return undefined;
    const verifier = this.#store.get(u.commitment);
    return verifier && verifierCommitment(verifier) === u.commitment ? { person, role: u.role, verifier } : undefined;
  }

  has(person: string): boolean {
    return this.#users.has(person);
  }

  list(): { person: string; role: string }[] {
    return [...this.#users.entries()].map(([person, u]) => ({ person, role: u.role })).sort((a, b) => a.person.localeCompare(b.person));
  }

  /** The replayed state, for a signed snapshot (log/state-snapshot.ts). */
  snapshot(): [string, { role: string; commitment: string }][] {
    return [...this.#users.entries()];
  }

  /** Start from a snapshot's state (replay then continues after it). */
  restore(state: [string, { role: string; commitment: string }][]): void {
    this.#users = new Map(state.map(([p, u]) => [p, { role: u.role, commitment: u.commitment }]));
  }
}

// The capture proxy's listener: accepts clients (optionally TLS), logs each
// person in against the user directory, opens their upstream backend as the
// mapped role, hands out the proxy's own cancel keys (mapped to the upstream
// backend's), and ends a person's live sessions the moment a lock applies.
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { IlogError } from '../../ledger/errors.js';
import type { UserDirectory } from '../directory.js';
import type { LockState } from '../locks.js';
import type { AccessLog } from './access-log.js';
import { Analyzer, loadParser } from './classify.js';
import { acceptLogin, fatal } from './login.js';
import { DEFAULT_MAX_MESSAGE } from './protocol/frames.js';
import { backendKeyData, readyForQuery } from './protocol/messages.js';
import { lockedError, purposeProblem } from './gate.js';
import { OutcomeWriter, type OutcomeWriterOptions } from './outcome-writer.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { MAX_PURPOSE, PurposePolicy, splitStartupOptions } from './purpose.js';
import { Session } from './session.js';
import { SQLSTATE } from './sqlstate.js';
import { cancelUpstream, connectUpstream, type UpstreamCredentials, type UpstreamTarget } from './upstream.js';

export interface ProxyOptions {
  log: AccessLog;
  users: UserDirectory;
  locks: LockState;
  upstream: UpstreamTarget;
  /** Upstream credentials for a role; undefined when the proxy holds none for it. */
  credentials(role: string): UpstreamCredentials | undefined;
  /** Database to use when the client names none (default: the person's name, as libpq does). */
  defaultDatabase?: string;
  hmacKey: Buffer;
  purposePattern?: string;
  /** A live purpose pattern (e.g. governance's `policy.purpose`); when set it overrides `purposePattern`. */
  livePurposePattern?: () => string | undefined;
  logTimeoutMs?: number;
  /** Send statements proven read-only upstream while their entry is made durable, rows held until it is (default true). */
  overlapReads?: boolean;
  maxMessage?: number;
  tls?: SecureContext;
  /** Where outcome-append failures and session errors are reported (default: stderr). */
  onError?: (e: unknown) => void;
  /** Holding outcome entries while the log cannot write (outcome-writer.ts). */
  outcomeHold?: Omit<OutcomeWriterOptions, 'report'>;
  /** Counters and histograms (src/export/proxy-metrics.ts); none when omitted. */
  metrics?: ProxyMetrics;
}

export class ProxyServer {
  #o: ProxyOptions;
  #server: Server;
  #sessions = new Set<Session>();
  #byKey = new Map<string, { pid: number; secret: number }>();
  #analyzer = new Analyzer();
  #policy: PurposePolicy;
  /** Salts for unknown persons derive from the persisted HMAC key, so they stay the same across restarts, like real persons' salts. */
  #decoySecret: Buffer;
  #unsubscribe: () => void;
  readonly outcomes: OutcomeWriter;

  constructor(o: ProxyOptions) {
    this.#o = o;
    this.outcomes = new OutcomeWriter(o.log, { ...o.outcomeHold, report: (e) => this.#report(e) });
    this.#policy = new PurposePolicy(o.purposePattern, o.livePurposePattern);
    this.#decoySecret = createHmac('sha256', o.hmacKey).update('ilog scram decoy salts v1').digest();
    this.#server = createServer((s) => void this.#accept(s));
    this.#server.maxConnections = 1000;
    this.#unsubscribe = o.locks.onLock((person, info) => {
      let ended = 0;
      for (const s of this.#sessions) if (person === '*' || s.facts.person === person) s.terminate(lockedError(info.reason)), ended++;
      o.metrics?.sessionsEnded(info, ended);
    });
  }

  async listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    await loadParser();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    const a = this.#server.address();
    return { host, port: typeof a === 'object' && a ? a.port : port };
  }

  /** Live sessions (for tests and status). */
  get sessions(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    for (const s of this.#sessions) s.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.outcomes.close();
  }

  #report(e: unknown): void {
    (this.#o.onError ?? ((x) => process.stderr.write(`ilog proxy: ${x instanceof Error ? x.message : String(x)}\n`)))(e);
  }

  async #accept(raw: Socket): Promise<void> {
    raw.on('error', () => raw.destroy());
    let login;
    try {
      login = await acceptLogin(raw, { users: this.#o.users, tls: this.#o.tls, decoySecret: this.#decoySecret, maxMessage: this.#o.maxMessage ?? DEFAULT_MAX_MESSAGE });
    } catch {
      return; // already answered (or the client left)
    }
    if (login.kind === 'cancel') {
      const target = this.#byKey.get(`${login.pid}:${login.secret}`);
      if (target) cancelUpstream(this.#o.upstream, target.pid, target.secret);
      raw.destroy();
      return;
    }
    const { socket, params, person, role } = login;
    const lock = this.#o.locks.isLocked(person);
    if (lock) {
      this.#o.metrics?.refused(SQLSTATE.LOCKED);
      return fatal(socket, SQLSTATE.LOCKED, lockedError(lock.reason).message);
    }
    const creds = this.#o.credentials(role);
    if (!creds) return fatal(socket, SQLSTATE.UPSTREAM_UNAVAILABLE, `ilog: the proxy holds no upstream credentials for role "${role}"`, 'an operator must add them to the proxy configuration');
    const { purpose, searchPath, rest } = splitStartupOptions(params.options);
    // Too long is refused at once (the pattern is checked where the purpose is used, as for SET).
    const problem = purpose !== undefined && purpose.length > MAX_PURPOSE ? purposeProblem(purpose, this.#policy) : undefined;
    if (problem) return fatal(socket, problem.code, problem.message, problem.hint);
    const upParams: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (k !== 'user' && k !== 'options') upParams[k] = v;
    if (rest) upParams.options = rest;
    upParams.database ??= this.#o.defaultDatabase ?? person;
    let upstream;
    try {
      upstream = await connectUpstream(this.#o.upstream, creds, upParams);
    } catch (e) {
      const sqlstate = e instanceof IlogError && typeof e.evidence?.sqlstate === 'string' ? e.evidence.sqlstate : SQLSTATE.UPSTREAM_UNAVAILABLE;
      return fatal(socket, sqlstate, `ilog: ${(e as Error).message}`);
    }
    if (socket.destroyed) return void upstream.socket.destroy();
    const key = { pid: randomInt(1, 2 ** 31 - 1), secret: randomInt(-(2 ** 31), 2 ** 31 - 1) };
    const keyStr = `${key.pid}:${key.secret}`;
    this.#byKey.set(keyStr, { pid: upstream.pid, secret: upstream.secret });
    socket.write(Buffer.concat([...upstream.parameterStatus, backendKeyData(key.pid, key.secret), readyForQuery(0x49)]));
    const session: Session = new Session({
      client: socket,
      reader: login.reader,
      upstream,
      facts: {
        person,
        session: randomBytes(8).toString('hex'),
        role,
        database: upParams.database,
        client: { address: raw.remoteAddress, ...(params.application_name ? { application: params.application_name } : {}) },
      },
      purpose,
      searchPath,
      ctx: { log: this.#o.log, locks: this.#o.locks, policy: this.#policy, hmacKey: this.#o.hmacKey, logTimeoutMs: this.#o.logTimeoutMs ?? 2000, overlapReads: this.#o.overlapReads !== false, analyzer: this.#analyzer, outcomes: this.outcomes, ...(this.#o.metrics ? { metrics: this.#o.metrics } : {}) },
      onClose: () => {
        this.#sessions.delete(session);
        this.#byKey.delete(keyStr);
      },
      cancelUpstream: () => cancelUpstream(this.#o.upstream, upstream.pid, upstream.secret),
    });
    this.#sessions.add(session);
  }
}

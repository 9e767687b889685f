// One `ilog serve` at a time on a PostgreSQL store: the sequencer lease is a
// session-level advisory lock held on a connection of its own. PostgreSQL
// releases it the moment that session ends — the holder exits, is killed
// (kill -9 closes its socket), or its host drops off the network (TCP
// keepalives below end the session within seconds) — and a standby that polls
// pg_try_advisory_lock takes over. The lease only picks which node serves:
// the log's safety never rests on it (the head row and the tree row's
// compare-and-swap keep even two writers from forking the log, see
// postgres-store.ts). A holder that loses its session MUST stop serving at once
// (`lost`), since a standby may already have taken over.
//
// The holder checks its session every `pollMs` and gives the lease up when a check
// stays unanswered for `checkDeadlineMs` (2 s, under the ≈ 3 s after which the
// server frees a silent session's lock), so a holder cut off from PostgreSQL stops
// about when a standby can take over rather than when its kernel notices. A stall
// of the holder's own event loop (a blocking read, a long replay) must not count:
// the answer may be waiting unread in the socket while timers run first. So an
// overdue check is judged only in a setImmediate callback, which Node runs after
// the loop's poll phase has read every socket that is ready.

import pg from 'pg';
import { IlogError } from '../../ledger/errors.js';
import { parseStoreUrl, pgError, redact } from './postgres-store.js';

export interface LeaseOptions {
  /** How often a standby tries to take the lease, and the holder checks its session (ms, default 250). */
  pollMs?: number;
  /** A holder whose check stays unanswered this long (after its event loop has read its sockets) gives the lease up (ms, default 2,000). */
  checkDeadlineMs?: number;
  /** Called once while the lease is held by someone else. */
  onStandby?: () => void;
}

export class SequencerLease {
  /** Resolves (never rejects) with the reason once the lease is lost. */
  readonly lost: Promise<IlogError>;
  readonly #client: pg.Client;
  readonly #timer: NodeJS.Timeout;
  #released = false;

  private constructor(client: pg.Client, where: string, pollMs: number, deadlineMs: number) {
    this.#client = client;
    let lose: (e: IlogError) => void = () => {};
    this.lost = new Promise((r) => (lose = r));
    const onLost = (e: unknown): void => {
      if (this.#released) return;
      clearInterval(this.#timer);
      lose(new IlogError('STORAGE_UNAVAILABLE', `lost the sequencer lease on ${where}: another ilog serve may take over; this one must stop`, { store: where, cause: String(e) }));
    };
    client.on('error', onLost);
    client.on('end', () => onLost('connection ended'));
    // One check in flight at a time (never queued behind a slow one), sent when it was:
    let sentAt: number | undefined;
    const check = (): void => {
      if (sentAt === undefined) {
        const at = (sentAt = performance.now());
        client.query('SELECT 1').then(() => {
          if (sentAt === at) sentAt = undefined;
        }, onLost);
        return;
      }
      if (performance.now() - sentAt < deadlineMs) return;
      const at = sentAt;
      setImmediate(() => {
        if (sentAt === at) onLost(`no answer to the lease check for ${Math.round(performance.now() - at)} ms`);
      });
    };
    this.#timer = setInterval(check, pollMs);
    this.#timer.unref();
  }

  /** Wait until this process holds the lease (standing by while another holds it). */
  static async acquire(url: string, opts: LeaseOptions = {}): Promise<SequencerLease> {
    const { connectionString, schema } = parseStoreUrl(url);
    const pollMs = opts.pollMs ?? 250;
    const deadlineMs = opts.checkDeadlineMs ?? 2000;
    const client = new pg.Client({ connectionString, keepAlive: true, keepAliveInitialDelayMillis: 1000 });
    client.on('error', () => {}); // before the lease exists, failures surface through the queries below
    try {
      await client.connect();
      // Let the server notice a vanished holder host within seconds, not the kernel's two hours:
      // keepalives after 1 s of silence, 2 unanswered 1 s apart end the session (≈ 3 s), and
      // so does data unacknowledged for 3 s (tcp_user_timeout); then the lock is free.
      await client.query('SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2; SET tcp_user_timeout = 3000');
      // Operators see who holds the lease and who stands by in pg_stat_activity.application_name.
      await client.query("SET application_name = 'ilog standby'");
      let told = false;
      for (;;) {
        const got = (await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [`ilog sequencer ${schema}`])).rows[0]?.got === true;
        if (got) {
          await client.query("SET application_name = 'ilog sequencer'");
          return new SequencerLease(client, redact(url), pollMs, deadlineMs);
        }
        if (!told) (told = true), opts.onStandby?.();
        await new Promise((r) => setTimeout(r, pollMs));
      }
    } catch (e) {
      await client.end().catch(() => {});
      throw pgError(e, redact(url));
    }
  }

  /** Give the lease up (a standby takes over at its next poll). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    // A connection cut off (the deadline above) may never answer the goodbye: wait 1 s at most.
    await Promise.race([this.#client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

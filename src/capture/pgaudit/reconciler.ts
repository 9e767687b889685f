// The pgAudit reconciler's loop (docs/reconcile.md): read what the server logged
// since the cursor, catch up with the log's access entries, match, append the
// resulting entries and wait until they are durable, and only then save the
// cursor (a durable file: position, backend states, where to rescan the log).
// A crash between the append and the cursor save is repaired at start: entries
// this server's reconciler appended after the saved cursor name the server log
// position they cover, and records up to there are replayed for state only,
// so nothing is reported twice and nothing is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { IlogError } from '../../ledger/errors.js';
import { loadParser } from '../pg/classify.js';
import { writeFileDurable } from '../../storage/durable-file.js';
import { AccessIndex, type LogReader } from './access-index.js';
import { AuditMatcher, type MatcherState, type OwnConnection } from './audit-matcher.js';
import { comparePositions, ServerLogTail, type TailPosition } from './server-log-tail.js';
import { StatementViews } from './statement-view.js';

export interface EntryWriter {
  /** MUST resolve only once every entry is durable, all of them in one batch or none. */
  appendMany(entries: object[]): Promise<number[]>;
}

export interface ReconcilerOptions {
  /** Name of the audited server, written into every entry (and how a restart finds its own entries). */
  server: string;
  logDirectory: string;
  cursorFile: string;
  hmacKey: Buffer;
  log: LogReader;
  writer: EntryWriter;
  /** Without a cursor: read the oldest log file from its start (default) or begin at the end of the newest. */
  from?: 'start' | 'end';
  pollMs?: number;
  /** Called when the server restarted (its settings must be checked again); resolves with the new own connection. */
  onRestart?: () => Promise<OwnConnection | undefined>;
  own?: OwnConnection;
  report?: (e: unknown) => void;
}

interface Cursor {
  v: 1;
  server: string;
  pos?: TailPosition;
  matcher: MatcherState;
  access: { from: number; consumed: Record<string, number> };
  /** Log size after the last batch this reconciler appended (a restart looks for its entries from here). */
  logSize: number;
}

export class Reconciler {
  #o: ReconcilerOptions;
  #tail: ServerLogTail;
  #index: AccessIndex;
  #matcher: AuditMatcher;
  #logSize: number;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Records read so far in this process (for benchmarks and tests). */
  records = 0;

  constructor(o: ReconcilerOptions) {
    this.#o = o;
    const c = loadCursor(o.cursorFile, o.server);
    this.#tail = new ServerLogTail(o.logDirectory, c?.pos, o.from);
    this.#index = new AccessIndex(o.log, c?.access.from ?? 0, c?.access.consumed);
    this.#logSize = c?.logSize ?? 0;
    const quietUntil = reportedUntil(o.log, this.#logSize, o.server);
    this.#matcher = new AuditMatcher({ server: o.server, index: this.#index, views: new StatementViews(o.hmacKey), state: c?.matcher, quietUntil });
    if (o.own) this.#matcher.addOwn(o.own);
  }

  /** The audited server's name in entries. */
  get server(): string {
    return this.#o.server;
  }

  /** Bytes of the audited server's log this reconciler has not read yet (ServerLogTail.behind). */
  lagBytes(): number {
    return this.#tail.behind();
  }

  /** One round: returns the number of server log records processed. */
  async step(maxBytes?: number): Promise<number> {
    // Statement texts are normalised by PostgreSQL's parser (WASM): it must be loaded first.
    await loadParser();
    const chunk = this.#tail.read(maxBytes);
    // After the server log read: every access entry for these records was durable before they ran.
    this.#index.refresh();
    const end = this.#tail.position()!;
    for (const g of chunk.gaps) this.#matcher.gap(g, end);
    let last = chunk.from;
    let handled = 0;
    let malformed: unknown;
    try {
      for (const r of chunk.records) {
        this.#matcher.record(r.rec, r.pos);
        last = r.pos;
        handled++;
      }
    } catch (e) {
      // A malformed record: what came before it is reported and saved, and every round starts again at it (raised, never skipped).
      this.#tail.seek(last);
      malformed = e;
    }
    if (this.#matcher.restarted && this.#o.onRestart) {
      this.#matcher.restarted = false;
      try {
        const own = await this.#o.onRestart();
        if (own) this.#matcher.addOwn(own);
      } catch (e) {
        // Restarted without pgAudit (or with audit settings weakened): raised, and the loop goes on reading.
        this.#matcher.settingsFailed(e instanceof Error ? e.message : String(e), this.#tail.position()!);
      }
    }
    const entries = this.#matcher.take();
    if (entries.length > 0) {
      await this.#o.writer.appendMany(entries);
      this.#logSize = this.#o.log.size();
    }
    if (handled > 0 || chunk.gaps.length > 0 || entries.length > 0) this.#save();
    this.records += handled;
    if (malformed !== undefined) throw malformed;
    return handled + chunk.gaps.length;
  }

  #save(): void {
    this.#index.prune();
    const c: Cursor = {
      v: 1,
      server: this.#o.server,
      pos: this.#tail.position(),
      matcher: this.#matcher.state(),
      access: { from: this.#index.lowWater(), consumed: this.#index.consumed() },
      logSize: this.#logSize,
    };
    writeFileDurable(this.#o.cursorFile, JSON.stringify(c));
  }

  /** Runs until stop(): polls the server log every pollMs when idle. */
  start(): void {
    const poll = this.#o.pollMs ?? 100;
    this.#loop = (async () => {
      let failures = 0;
      while (!this.#stopped) {
        let n = 0;
        try {
          n = await this.step();
          failures = 0;
        } catch (e) {
          // Nothing was saved: the next round retries the same records (log unavailable, unreadable file, …).
          if (failures++ === 0 || failures % 50 === 0) this.#o.report?.(e);
        }
        const wait = failures > 0 ? Math.min(5000, poll * 2 ** Math.min(failures, 6)) : poll;
        if ((n === 0 || failures > 0) && !this.#stopped) await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.#wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }
}

function loadCursor(path: string, server: string): Cursor | undefined {
  if (!existsSync(path)) return undefined;
  let c: Cursor;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Cursor;
  } catch (e) {
    throw new IlogError('BAD_CURSOR', `the reconciler cursor ${path} is not valid JSON: restore it, or remove it to start over (statements are then re-read from the oldest server log file)`, { path, error: (e as Error).message });
  }
  if (c.v !== 1 || c.server !== server) throw new IlogError('CURSOR_MISMATCH', `the cursor ${path} belongs to server ${JSON.stringify(c.server)}, not ${JSON.stringify(server)}: use another --cursor`, { path });
  return c;
}

/** The furthest server log position named by entries this server's reconciler appended at or after `from`. */
function reportedUntil(log: LogReader, from: number, server: string): TailPosition | undefined {
  let best: TailPosition | undefined;
  const size = log.size();
  for (let i = from; i < size; i += 4096) {
    for (const b of log.readEntries(i, Math.min(size, i + 4096))) {
      const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
      if (!text.includes('"kind":"bypass.detected"') && !text.includes('"kind":"access.objects"')) continue;
      const e = JSON.parse(text) as { server?: string; log?: TailPosition };
      if (e.server !== server || !e.log) continue;
      if (!best || comparePositions(e.log, best) > 0) best = { file: e.log.file, offset: e.log.offset };
    }
  }
  return best;
}

// Publishing under a witness policy (C2SP tlog-witness v1.0.0 client side and
// tlog-policy quorum): every new checkpoint the log signs is sent to each
// witness of the policy that has a URL, with the consistency proof from the
// size that witness last cosigned; a 409 tells us that size and we retry once
// from it. The checkpoint is published (served at /checkpoint with the
// cosignature lines appended, kept durably in PublishedStore) only when the
// cosignatures that verify satisfy the policy's quorum.
//
// While the quorum cannot be met, appends go on (the log keeps signing
// checkpoints) but the last published checkpoint keeps being served; the
// publisher says so in status() (for GET /health), on its log line, and through
// onPolicyUnmet (the alert area's hook), then keeps retrying with backoff.

import { parseCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { consistencyProof } from '../ledger/merkle.js';
import { parseNote } from '../ledger/note.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import type { TileReader } from '../ledger/tile-builder.js';
import { IlogError } from '../ledger/errors.js';
import { addCheckpoint } from './witness-client.js';
import { quorumSatisfied, type Policy, type PolicyWitness } from './policy.js';
import { PublishedStore } from './published-store.js';
import { openLogCheckpoint, verifyCosignatureLines, type OpenedCheckpoint } from './checkpoint-notes.js';

/** What the publisher reads from the log (a LogStorage satisfies it). */
export interface PublisherSource {
  latestCheckpoint(): string | undefined;
  readTile(level: number, index: number, width?: number): Uint8Array | undefined;
}

export interface WitnessState {
  name: string;
  url?: string;
  /** Size this witness last cosigned, as far as we know. */
  size?: number;
  /** Whether it cosigned the newest checkpoint. */
  cosigned: boolean;
  lastError?: string;
}

export interface PolicyUnmet {
  /** The newest signed checkpoint, which cannot be published. */
  size: number;
  publishedSize: number;
  cosigned: string[];
  missing: { name: string; error?: string }[];
  since: string;
}

export interface PublisherStatus {
  policyMet: boolean;
  /** Set while the policy is unmet. */
  unmet?: PolicyUnmet;
  publishedSize?: number;
  latestSize?: number;
  witnesses: WitnessState[];
}

export interface PublisherOptions {
  policy: Policy;
  /** The log's vkey: only checkpoints it signed are sent out. */
  logVkey: string;
  source: PublisherSource;
  /** Data directory: the published checkpoint is kept there. */
  dir: string;
  onPolicyUnmet?: (info: PolicyUnmet) => void;
  onPolicyMet?: (publishedSize: number) => void;
  onPublished?: (note: string, size: number) => void;
  /** Told of every cosigning request: the witness, how long it took (ms), and whether it cosigned (metrics). */
  onCosign?: (witness: string, ms: number, ok: boolean) => void;
  /** One line per state change (the server's log). */
  log?: (line: string) => void;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  /** How often to look for a new checkpoint when idle (default 200 ms). */
  pollMs?: number;
  /** Retry delay while the policy is unmet: starts here, doubles up to maxRetryMs (defaults 250 ms / 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

interface Round {
  note: string;
  cp: OpenedCheckpoint;
  /** witness name -> its verified cosignature lines for `note`. */
  cosigs: Map<string, string[]>;
  published: boolean;
}

export class WitnessPublisher {
  readonly #o: PublisherOptions;
  readonly #store: PublishedStore;
  readonly #witnesses: Map<string, WitnessState & { vkey: string; inFlight?: boolean }>;
  #round: Round | undefined;
  #publishedSize: number | undefined;
  #unmet: PolicyUnmet | undefined;
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #busy: Promise<boolean> | undefined;
  #parsed: (Checkpoint & { note: string }) | undefined;

  constructor(opts: PublisherOptions) {
    this.#o = opts;
    this.#store = new PublishedStore(opts.dir);
    const published = this.#store.get();
    this.#publishedSize = published === undefined ? undefined : openLogCheckpoint(published, opts.logVkey).checkpoint.size;
    this.#witnesses = new Map(
      opts.policy.witnesses.map((w: PolicyWitness) => [
        w.name,
        // Until a witness tells us otherwise, assume it cosigned what we last published.
        { name: w.name, vkey: w.vkey, ...(w.url ? { url: w.url } : {}), ...(this.#publishedSize !== undefined ? { size: this.#publishedSize } : {}), cosigned: false },
      ]),
    );
  }

  /** The checkpoint to serve at /checkpoint (log signature + cosignatures), or undefined before the first publication. */
  published(): { size: number; note: string } | undefined {
    const note = this.#store.get();
    return note === undefined || this.#publishedSize === undefined ? undefined : { size: this.#publishedSize, note };
  }

  /**
   * The published checkpoint parsed, in the shape of http/log-published.ts's
   * PublishedTree.latest(): pass the publisher as the log server's published tree
   * so that /checkpoint and the tiles it allows follow the witnessed checkpoint.
   */
  latest(): (Checkpoint & { note: string }) | undefined {
    const p = this.published();
    if (p === undefined) return undefined;
    if (this.#parsed?.note !== p.note) this.#parsed = { ...parseCheckpoint(parseNote(p.note).text), note: p.note };
    return this.#parsed;
  }

  /** For GET /health. */
  status(): PublisherStatus {
    return {
      policyMet: this.#unmet === undefined,
      ...(this.#unmet ? { unmet: this.#unmet } : {}),
      ...(this.#publishedSize !== undefined ? { publishedSize: this.#publishedSize } : {}),
      ...(this.#round ? { latestSize: this.#round.cp.checkpoint.size } : {}),
      witnesses: [...this.#witnesses.values()].map(({ vkey: _v, inFlight: _f, ...w }) => ({ ...w })),
    };
  }

  /** Start the background loop (polls the log for new checkpoints; retries while unmet). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  /** A new checkpoint was signed: try now instead of at the next poll. */
  notify(): void {
    this.#wake?.();
  }

  /**
   * One publication attempt for the newest checkpoint; resolves true when it is
   * published (or already was). Concurrent calls share one attempt.
   */
  publishNow(): Promise<boolean> {
    this.#busy ??= this.#attempt().finally(() => (this.#busy = undefined));
    return this.#busy;
  }

  async #run(): Promise<void> {
    let delay = this.#o.retryMs ?? 250;
    while (this.#running) {
      let ok = true;
      try {
        ok = await this.publishNow();
      } catch (err) {
        ok = false;
        this.#o.log?.(`witness publisher: ${(err as Error).message}`);
      }
      delay = ok ? (this.#o.retryMs ?? 250) : Math.min(delay * 2, this.#o.maxRetryMs ?? 5_000);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ok ? (this.#o.pollMs ?? 200) : delay);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #attempt(): Promise<boolean> {
    const note = this.#o.source.latestCheckpoint();
    if (note === undefined) return true;
    if (this.#round?.note !== note) {
      const cp = openLogCheckpoint(note, this.#o.logVkey);
      // After a restart the newest checkpoint may be the one already published.
      const published = cp.checkpoint.size === this.#publishedSize && (this.#store.get() ?? '').startsWith(note);
      this.#round = { note, cp, cosigs: new Map(), published };
      for (const w of this.#witnesses.values()) w.cosigned = false;
    }
    const round = this.#round;
    if (round.published) return true;
    // Publish as soon as the quorum is met: a slow witness delays nothing (its request goes on
    // in the background and is not repeated while in flight).
    const met = (): boolean => quorumSatisfied(this.#o.policy, new Set(round.cosigs.keys()));
    const pending = [...this.#witnesses.values()].filter((w) => w.url && !round.cosigs.has(w.name) && !w.inFlight);
    if (!met() && pending.length > 0) {
      await new Promise<void>((resolve) => {
        let left = pending.length;
        for (const w of pending) {
          w.inFlight = true;
          void this.#ask(w, round).finally(() => {
            w.inFlight = false;
            if (--left === 0 || met()) resolve();
          });
        }
      });
    }
    if (met()) {
      await this.#publish(round);
      return true;
    }
    this.#markUnmet(round);
    return false;
  }

  async #ask(w: WitnessState & { vkey: string }, round: Round): Promise<void> {
    const size = round.cp.checkpoint.size;
    const nodes = tileNodeReader(size, this.#o.source.readTile.bind(this.#o.source) as TileReader);
    let old = w.size !== undefined && w.size <= size ? w.size : 0;
    const started = performance.now();
    try {
      // At most two tries: the second one from the size a 409 reported.
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await addCheckpoint(w.url as string, { oldSize: old, proof: consistencyProof(old, size, nodes), checkpoint: round.note }, { timeoutMs: this.#o.timeoutMs ?? 5_000 });
        if (res.kind === 'cosigned') {
          round.cosigs.set(w.name, verifyCosignatureLines(round.cp, res.signatureLines, w.name, w.vkey));
          // A late cosignature for the checkpoint being served: serve it too (stronger for every verifier).
          if (round.published && this.#round === round) this.#store.set(this.#cosignedNote(round));
          w.size = size;
          w.cosigned = true;
          delete w.lastError;
          this.#o.onCosign?.(w.name, performance.now() - started, true);
          return;
        }
        if (res.kind === 'conflict') {
          w.size = res.witnessSize;
          if (res.witnessSize > size) throw new IlogError('WITNESS_AHEAD', `witness has cosigned size ${res.witnessSize}, larger than this log's checkpoint ${size}`, { witness: w.name });
          if (res.witnessSize === old) throw new IlogError('WITNESS_CONFLICT', 'witness refuses this checkpoint: it cosigned a different tree of the same size (fork?)', { witness: w.name, size: old });
          old = res.witnessSize;
          continue;
        }
        throw new IlogError('WITNESS_REFUSED', `witness answered ${res.status}: ${res.body.trim().slice(0, 200)}`, { witness: w.name, status: res.status });
      }
      throw new IlogError('WITNESS_CONFLICT', 'witness kept answering 409', { witness: w.name });
    } catch (err) {
      this.#o.onCosign?.(w.name, performance.now() - started, false);
      w.cosigned = false;
      const reason = err instanceof IlogError && typeof err.evidence?.reason === 'string' ? ` (${err.evidence.reason})` : '';
      w.lastError = err instanceof IlogError ? `${err.code}: ${err.message}${reason}` : String(err);
    }
  }

  async #publish(round: Round): Promise<void> {
    const size = round.cp.checkpoint.size;
    // The source never goes backwards (LogStorage monotonicity); this guards a misconfigured one.
    if (this.#publishedSize !== undefined && size < this.#publishedSize) {
      throw new IlogError('PUBLISH_ROLLBACK', 'refusing to publish a checkpoint smaller than the published one', { size, publishedSize: this.#publishedSize });
    }
    const note = this.#cosignedNote(round);
    this.#store.set(note);
    this.#publishedSize = size;
    round.published = true;
    this.#o.onPublished?.(note, size);
    if (this.#unmet) {
      this.#o.log?.(`witness policy met again: published checkpoint of size ${size} (cosigned by ${[...round.cosigs.keys()].join(', ')})`);
      this.#unmet = undefined;
      this.#o.onPolicyMet?.(size);
    }
  }

  #cosignedNote(round: Round): string {
    return round.note + [...round.cosigs.values()].flat().map((l) => l + '\n').join('');
  }

  #markUnmet(round: Round): void {
    const cosigned = [...round.cosigs.keys()];
    const missing = [...this.#witnesses.values()].filter((w) => !round.cosigs.has(w.name)).map((w) => ({ name: w.name, ...(w.lastError ? { error: w.lastError } : w.url ? {} : { error: 'no URL in the policy' }) }));
    const first = this.#unmet === undefined;
    this.#unmet = {
      size: round.cp.checkpoint.size,
      publishedSize: this.#publishedSize ?? 0,
      cosigned,
      missing,
      since: this.#unmet?.since ?? new Date().toISOString(),
    };
    if (first) {
      this.#o.log?.(
        `witness policy NOT met for checkpoint of size ${round.cp.checkpoint.size}: cosigned by [${cosigned.join(', ')}], missing ${missing.map((m) => `${m.name} (${m.error ?? 'no answer'})`).join(', ')}; still serving published size ${this.#publishedSize ?? 0}; appends continue`,
      );
      this.#o.onPolicyUnmet?.(this.#unmet);
    }
  }
}

// The witness of C2SP tlog-witness v1.0.0: checks an `add-checkpoint` submission
// and answers with tlog-cosignature v1.0.1 cosignatures (Ed25519, type 0x04).
// Transport-free (the HTTP server in witness-server.ts only moves bytes), so the
// same checks serve the `ilog witness` process, tests and a mirror that cosigns.
//
// Order of checks, each with the spec's status:
//   400 malformed body / note / checkpoint, old size > checkpoint size,
//       a non-empty proof from old size 0;
//   404 unknown origin; 403 no signature verifies with a trusted key;
//   409 (text/x.tlog.size: our size) old size is not our latest cosigned size,
//       or same size with a different root (a fork: kept as evidence);
//   422 the consistency proof does not verify (kept as evidence);
//   200 note signature lines — only after the new state is durable.
// The size check, the proof check against the stored root and the store of the
// new checkpoint run in one SQLite transaction (WitnessStore.batch); requests
// that arrive together share it (group commit, see addCheckpoints).

import { parseCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { IlogError } from '../ledger/errors.js';
import { EMPTY_ROOT } from '../ledger/hash.js';
import { verifyConsistency } from '../ledger/merkle.js';
import { openNote, parseNote, signatureLine, verifierFromKey, type Signer, type Verifier } from '../ledger/note.js';
import { formatSizeBody, parseAddCheckpoint, SIZE_CONTENT_TYPE, type AddCheckpointRequest } from './add-checkpoint-body.js';
import type { CosignedState, WitnessStore } from './witness-store.js';
import { proofToBase64, type InconsistencyEvidence } from './evidence.js';

export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface WitnessOptions {
  store: WitnessStore;
  /** This witness's cosigners (ledger cosignerFromKey): every one of them signs each accepted checkpoint. */
  cosigners: Signer[];
  /** vkeys of the logs this witness follows; the key name is the log's origin. */
  logKeys: string[];
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
  /** Called with evidence of possible log misbehaviour (also stored). */
  onEvidence?: (e: InconsistencyEvidence) => void;
}

const TEXT = 'text/plain; charset=utf-8';

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType = TEXT,
    readonly evidence?: InconsistencyEvidence,
  ) {
    super(body);
  }
}

export class Witness {
  readonly #store: WitnessStore;
  readonly #cosigners: Signer[];
  readonly #logs = new Map<string, Verifier[]>();
  readonly #now: () => number;
  readonly #onEvidence: ((e: InconsistencyEvidence) => void) | undefined;

  constructor(opts: WitnessOptions) {
    if (opts.cosigners.length === 0) throw new IlogError('WITNESS_NO_KEY', 'a witness needs a cosigning key; run `ilog witness init`');
    this.#store = opts.store;
    this.#cosigners = opts.cosigners;
    this.#now = opts.now ?? Date.now;
    this.#onEvidence = opts.onEvidence;
    for (const vkey of opts.logKeys) {
      const v = verifierFromKey(vkey);
      const list = this.#logs.get(v.name) ?? [];
      list.push(v);
      this.#logs.set(v.name, list);
    }
  }

  /** Origins this witness follows. */
  get origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** Handle one add-checkpoint request body; never throws for bad input. */
  addCheckpoint(body: string): WitnessResponse {
    return this.addCheckpoints([body])[0] as WitnessResponse;
  }

  /**
   * Handle several submissions with one group commit: each is checked in order
   * against the state the previous ones left, all accepted ones are stored in
   * one transaction, and cosignatures are made only after it committed.
   */
  addCheckpoints(bodies: readonly string[]): WitnessResponse[] {
    const out = new Array<WitnessResponse | undefined>(bodies.length);
    const pending: { i: number; req: AddCheckpointRequest; cp: Checkpoint; text: string }[] = [];
    bodies.forEach((body, i) => {
      try {
        const req = parseAddCheckpoint(body);
        pending.push({ i, req, ...this.#verifySubmission(req) });
      } catch (err) {
        out[i] = this.#refused(err);
      }
    });
    if (pending.length > 0) {
      this.#store.batch(() => {
        for (const p of pending) {
          try {
            this.#store.put(this.#decide(p.req, p.cp));
          } catch (err) {
            if (!(err instanceof Refusal)) throw err;
            out[p.i] = this.#refused(err);
          }
        }
      });
    }
    for (const p of pending) {
      out[p.i] ??= { status: 200, contentType: TEXT, body: this.#cosigners.map((c) => signatureLine(p.text, c)).join('') };
    }
    return out as WitnessResponse[];
  }

  #refused(err: unknown): WitnessResponse {
    if (err instanceof Refusal) {
      if (err.evidence) {
        this.#store.recordEvidence(err.evidence);
        this.#onEvidence?.(err.evidence);
      }
      return { status: err.status, contentType: err.contentType, body: err.body };
    }
    if (err instanceof IlogError) return { status: 400, contentType: TEXT, body: `${err.code}: ${err.message}\n` };
    throw err;
  }

  #verifySubmission(req: AddCheckpointRequest): { cp: Checkpoint; text: string } {
    const { text: unverifiedText } = parseNote(req.checkpoint);
    const origin = unverifiedText.slice(0, unverifiedText.indexOf('\n'));
    const verifiers = this.#logs.get(origin);
    if (!verifiers) throw new Refusal(404, `unknown log origin ${JSON.stringify(origin.slice(0, 200))}\n`);
    let text: string;
    try {
      // openNote ignores signatures from keys it was not given (tlog-witness: "MUST ignore").
      text = openNote(req.checkpoint, verifiers).text;
    } catch (err) {
      if (err instanceof IlogError && (err.code === 'NOTE_UNVERIFIED' || err.code === 'BAD_SIGNATURE')) throw new Refusal(403, 'no signature verifies with a trusted key for this log\n');
      throw err;
    }
    const cp = parseCheckpoint(text);
    if (req.oldSize > cp.size) throw new Refusal(400, `old size ${req.oldSize} is larger than the checkpoint size ${cp.size}\n`);
    if (req.oldSize === 0 && req.proof.length > 0) throw new Refusal(400, 'the consistency proof from size 0 must be empty\n');
    return { cp, text };
  }

  /** The new state if `req` may advance the stored one (call inside the store's batch), else a Refusal. */
  #decide(req: AddCheckpointRequest, cp: Checkpoint): CosignedState {
    // Evidence: the checkpoint we cosigned, the one submitted, and the proof that failed between them.
    const evidence = (kind: InconsistencyEvidence['kind'], older: string, detail: string): InconsistencyEvidence => ({
      kind,
      origin: cp.origin,
      older,
      newer: req.checkpoint,
      oldSize: req.oldSize,
      newSize: cp.size,
      proof: proofToBase64(req.proof),
      proofSource: 'the add-checkpoint request',
      detail,
      seenAt: 'witness',
      time: new Date(this.#now()).toISOString(),
    });
    const stored = this.#store.latest(cp.origin);
    const storedSize = stored?.size ?? 0;
    if (req.oldSize !== storedSize) throw new Refusal(409, formatSizeBody(storedSize), SIZE_CONTENT_TYPE);
    const storedRoot = stored?.root ?? EMPTY_ROOT;
    if (req.oldSize === cp.size) {
      try {
        verifyConsistency(cp.size, cp.size, [], storedRoot, cp.root);
      } catch {
        const ev = stored ? evidence('fork', stored.note, 'same tree size, different root hash: the log signed two different trees') : undefined;
        throw new Refusal(409, formatSizeBody(storedSize), SIZE_CONTENT_TYPE, ev);
      }
    } else if (req.oldSize > 0) {
      try {
        verifyConsistency(req.oldSize, cp.size, req.proof, storedRoot, cp.root);
      } catch (err) {
        const reason = err instanceof IlogError ? err.message : String(err);
        throw new Refusal(422, `consistency proof does not verify: ${reason}\n`, TEXT, stored ? evidence('inconsistent', stored.note, reason) : undefined);
      }
    }
    return { origin: cp.origin, size: cp.size, root: cp.root, note: req.checkpoint, updatedMs: this.#now() };
  }
}

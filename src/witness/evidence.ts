// Evidence that a log signed two inconsistent trees (a fork or a rewrite): both
// signed checkpoints and the consistency proof that fails between them, in a
// form anyone can re-check offline with the log's vkey (and `ilog verify`).
// Witnesses (409/422), mirrors and `ilog verify --checkpoint` all report it.

import { toBase64 } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';

export interface InconsistencyEvidence {
  /** 'fork' (same size, different roots), 'inconsistent' (proof fails), 'bad-entries' (entries do not hash to the checkpoint). */
  kind: 'fork' | 'inconsistent' | 'bad-entries';
  origin: string;
  /** The earlier checkpoint (signed note) the reporter trusted. */
  older: string;
  /** The checkpoint (signed note) that contradicts it. */
  newer: string;
  oldSize: number;
  newSize: number;
  /** The consistency proof that failed (base64), and who supplied it. */
  proof: string[];
  proofSource: string;
  detail: string;
  /** Where it was seen (a URL or directory). */
  seenAt: string;
  time: string;
}

export function inconsistencyError(ev: InconsistencyEvidence): IlogError {
  return new IlogError(
    'LOG_INCONSISTENT',
    `the log signed two inconsistent checkpoints (${ev.kind}, sizes ${ev.oldSize} and ${ev.newSize}); keep this evidence and alert the log's operators and auditors`,
    { ...ev },
  );
}

export function proofToBase64(proof: readonly Uint8Array[]): string[] {
  return proof.map(toBase64);
}

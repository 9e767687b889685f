// Opening checkpoints signed by a log and cosigned by witnesses (C2SP
// tlog-checkpoint v1.0.0, tlog-cosignature v1.0.1) and checking them against a
// tlog-policy quorum. Signatures from keys that are not configured are ignored
// (signed-note); a signature from a configured key that fails rejects the note.

import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { cosignatureVerifier } from '../ledger/cosignature.js';
import { IlogError } from '../ledger/errors.js';
import { keyIdHex } from '../ledger/keys.js';
import { openNote, verifierFromKey, type Verifier } from '../ledger/note.js';
import { quorumSatisfied, type Policy } from './policy.js';

export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  /** The note text (the checkpoint body) that signatures cover. */
  text: string;
  /** The note exactly as received. */
  note: string;
}

/** Open a checkpoint signed by the log `logVkey` (its key name is the origin). */
export function openLogCheckpoint(note: string, logVkey: string): OpenedCheckpoint {
  const v = verifierFromKey(logVkey);
  const { checkpoint, note: opened } = openCheckpoint(note, [v], v.name);
  return { checkpoint, text: opened.text, note };
}

/**
 * Check that `lines` (note signature lines, no newline) are valid cosignatures
 * of `cp` by the witness `vkey`; returns the lines that verified. Throws
 * COSIGNATURE_INVALID if none does (a witness that answers 200 with no usable
 * cosignature is treated as not having cosigned).
 */
export function verifyCosignatureLines(cp: OpenedCheckpoint, lines: readonly string[], witness: string, vkey: string): string[] {
  try {
    const opened = openNote(`${cp.text}\n${lines.map((l) => l + '\n').join('')}`, [cosignatureVerifier(vkey)]);
    return opened.verified.map((s) => s.line.slice(0, -1));
  } catch (err) {
    throw new IlogError('COSIGNATURE_INVALID', `witness ${witness} answered with no valid cosignature for this checkpoint`, { witness, reason: err instanceof IlogError ? err.code : String(err) });
  }
}

export interface PolicyVerification extends OpenedCheckpoint {
  /** Policy names of the witnesses whose cosignatures verified. */
  cosigners: string[];
}

/**
 * Accept a checkpoint only if it is signed by one of the policy's logs (or by
 * `logVkey` when given: it must then also be one of the policy's logs, unless
 * the policy lists none) and its verifying cosignatures satisfy the quorum.
 * Throws POLICY_UNMET with the cosigners found and the quorum required.
 */
export function verifyCheckpointWithPolicy(note: string, policy: Policy, opts: { logVkey?: string } = {}): PolicyVerification {
  const logKeys = opts.logVkey !== undefined ? [opts.logVkey] : policy.logs.map((l) => l.vkey);
  if (logKeys.length === 0) throw new IlogError('BAD_POLICY', 'the policy names no log; add a "log <vkey>" line or give the log key');
  if (opts.logVkey !== undefined && policy.logs.length > 0) {
    const k = verifierFromKey(opts.logVkey);
    const listed = policy.logs.some((l) => {
      const v = verifierFromKey(l.vkey);
      return v.name === k.name && keyIdHex(v.keyId) === keyIdHex(k.keyId);
    });
    if (!listed) throw new IlogError('POLICY_LOG_UNKNOWN', 'the policy does not list this log key', { log: k.name });
  }
  const logVerifiers = logKeys.map(verifierFromKey);
  const witnessVerifiers = new Map<string, Verifier>();
  const byKey = new Map<string, string>();
  for (const w of policy.witnesses) {
    const v = cosignatureVerifier(w.vkey);
    witnessVerifiers.set(w.name, v);
    byKey.set(`${v.name} ${keyIdHex(v.keyId)}`, w.name);
  }
  const opened = openNote(note, [...logVerifiers, ...witnessVerifiers.values()]);
  const logSigned = opened.verified.some((s) => logVerifiers.some((v) => v.name === s.name && keyIdHex(v.keyId) === keyIdHex(s.keyId)));
  if (!logSigned) throw new IlogError('NOTE_UNVERIFIED', 'the checkpoint is not signed by a log the policy trusts', { signers: opened.verified.map((s) => s.name) });
  const checkpoint = openCheckpoint(note, logVerifiers).checkpoint;
  const cosigners = opened.verified.map((s) => byKey.get(`${s.name} ${keyIdHex(s.keyId)}`)).filter((n): n is string => n !== undefined);
  if (!quorumSatisfied(policy, new Set(cosigners))) {
    throw new IlogError('POLICY_UNMET', 'the checkpoint does not carry enough valid witness cosignatures for the policy', {
      size: checkpoint.size,
      cosigners,
      quorum: policy.quorum,
    });
  }
  return { checkpoint, text: opened.text, note, cosigners };
}

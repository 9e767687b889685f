// C2SP tlog-witness v1.0.0 `add-checkpoint` request and 409 response bodies.
//
// Request: "old <size>\n", zero to 63 base64 consistency-proof lines, "\n", then
// the signed checkpoint note. The body is attacker-controlled: it is bounded,
// split strictly on U+000A and every field is checked before use. Errors are
// IlogError('BAD_REQUEST') (the witness answers 400).

import { fromBase64, toBase64 } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';

/** The spec's cap on proof lines. */
export const MAX_PROOF_LINES = 63;
/** Generous for a checkpoint with many cosignatures and extension lines. */
export const MAX_BODY_BYTES = 64 * 1024;
export const SIZE_CONTENT_TYPE = 'text/x.tlog.size';

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, exactly as sent. */
  checkpoint: string;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function bad(message: string, evidence?: Record<string, unknown>): IlogError {
  return new IlogError('BAD_REQUEST', message, evidence);
}

/** Parse a tree size written in decimal without leading zeroes (the spec's only form). */
export function parseSize(text: string, what: string): number {
  if (!DECIMAL.test(text)) throw bad(`${what} must be a decimal number without leading zeroes`, { value: text.slice(0, 40) });
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw bad(`${what} is too large`, { value: text });
  return n;
}

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw bad('request body is too large', { limit: MAX_BODY_BYTES });
  let pos = body.indexOf('\n');
  if (pos < 0) throw bad('missing the old size line');
  const first = body.slice(0, pos);
  if (!first.startsWith('old ')) throw bad('the first line must be "old <size>"');
  const oldSize = parseSize(first.slice(4), 'old size');
  const proof: Uint8Array[] = [];
  for (;;) {
    const next = body.indexOf('\n', pos + 1);
    if (next < 0) throw bad('missing the empty line before the checkpoint');
    const line = body.slice(pos + 1, next);
    pos = next;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw bad(`at most ${MAX_PROOF_LINES} consistency proof lines are allowed`);
    const hash = fromBase64(line, 'BAD_REQUEST');
    if (hash.byteLength !== HASH_SIZE) throw bad('each consistency proof line must be one base64 SHA-256 hash', { line: proof.length });
    proof.push(hash);
  }
  const checkpoint = body.slice(pos + 1);
  if (checkpoint === '') throw bad('missing the checkpoint');
  return { oldSize, proof, checkpoint };
}

export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  return `old ${req.oldSize}\n${req.proof.map((h) => toBase64(h) + '\n').join('')}\n${req.checkpoint}`;
}

/** The 409 body: the witness's latest cosigned size and a newline. */
export function formatSizeBody(size: number): string {
  return `${size}\n`;
}

export function parseSizeBody(body: string): number {
  if (!body.endsWith('\n')) throw new IlogError('BAD_WITNESS_RESPONSE', 'a text/x.tlog.size body ends with a newline', { body: body.slice(0, 40) });
  try {
    return parseSize(body.slice(0, -1), 'witness size');
  } catch (err) {
    throw new IlogError('BAD_WITNESS_RESPONSE', 'the witness answered 409 without a valid tree size', { body: body.slice(0, 40) }, { cause: err });
  }
}

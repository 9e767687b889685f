// Client side of C2SP tlog-witness v1.0.0 `add-checkpoint`, as a log (or a
// mirror) calls it. Responses are untrusted: the 409 size is parsed strictly,
// cosignature lines are returned raw and MUST be verified by the caller against
// the witness key it trusts (tlog-witness: "the client MUST ignore any
// cosignatures from unknown keys").

import { IlogError } from '../ledger/errors.js';
import { formatAddCheckpoint, parseSizeBody, SIZE_CONTENT_TYPE, type AddCheckpointRequest } from './add-checkpoint-body.js';

export type AddCheckpointResult =
  /** 200: the raw signature lines (without newlines), still to be verified. */
  | { kind: 'cosigned'; signatureLines: string[] }
  /** 409: the witness's latest cosigned size differs from the old size sent (or same size, different root). */
  | { kind: 'conflict'; witnessSize: number }
  /** Any other status (400, 403, 404, 422, 5xx…). */
  | { kind: 'refused'; status: number; body: string };

const MAX_RESPONSE_BYTES = 64 * 1024;

/** POST one add-checkpoint request to a witness's submission prefix. Network failures throw WITNESS_UNREACHABLE. */
export async function addCheckpoint(prefix: string, req: AddCheckpointRequest, opts: { timeoutMs?: number } = {}): Promise<AddCheckpointResult> {
  const url = prefix.replace(/\/+$/, '') + '/add-checkpoint';
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      body: formatAddCheckpoint(req),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
    });
    text = await res.text();
  } catch (err) {
    throw new IlogError('WITNESS_UNREACHABLE', `witness ${url} did not answer; it will be retried`, { url, reason: (err as Error).message }, { cause: err });
  }
  if (text.length > MAX_RESPONSE_BYTES) throw new IlogError('BAD_WITNESS_RESPONSE', 'witness response is too large', { url, length: text.length });
  if (res.status === 200) {
    const lines = text.split('\n');
    if (lines.pop() !== '' || lines.length === 0 || lines.some((l) => !l.startsWith('— '))) {
      throw new IlogError('BAD_WITNESS_RESPONSE', 'a 200 answer must be note signature lines, each ending in a newline', { url, body: text.slice(0, 200) });
    }
    return { kind: 'cosigned', signatureLines: lines };
  }
  if (res.status === 409) {
    const ct = res.headers.get('content-type') ?? '';
    if (!ct.startsWith(SIZE_CONTENT_TYPE)) throw new IlogError('BAD_WITNESS_RESPONSE', `a 409 answer must have Content-Type ${SIZE_CONTENT_TYPE}`, { url, contentType: ct });
    return { kind: 'conflict', witnessSize: parseSizeBody(text) };
  }
  return { kind: 'refused', status: res.status, body: text.slice(0, 1000) };
}

// The authenticated write API: POST /add.
//   application/json      one entry object           → {"index": I}
//   application/x-ndjson  one entry object per line  → {"indexes": [I, ...]}
//   ?wait=integrated      also waits for a checkpoint that covers the entries and
//                         returns it with RFC 9162 inclusion proofs (base64).
// A batch is validated whole before anything is appended: one bad line rejects
// the request (400, with the line and field) and nothing is written. The token
// is not an admin key: kinds that carry authority are refused unless signed
// (403 KIND_NOT_ALLOWED, src/ledger/entries/authority.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toBase64 } from '../ledger/bytes.js';
import { writeTokenRefusal } from '../ledger/entries/authority.js';
import { encodeEntry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import { inclusionProof } from '../ledger/merkle.js';
import type { TileCache } from '../storage/tile-cache.js';
import { parseJsonBody } from './json-body.js';

/** What the write API needs from the appender (src/log/appender.ts satisfies it). */
export interface LogWriter {
  appendMany(entries: Uint8Array[]): Promise<number[]>;
  awaitIntegrated(index: number): Promise<{ checkpoint: string; size: number; proof: Uint8Array[] }>;
}

export interface WriteLimits {
  /** Largest request body in bytes (default 8 MiB). */
  maxBodyBytes: number;
  /** Most entries in one x-ndjson request (default 10,000). */
  maxBatchEntries: number;
}

export const DEFAULT_WRITE_LIMITS: WriteLimits = { maxBodyBytes: 8 << 20, maxBatchEntries: 10_000 };

function encodeAt(obj: unknown, line?: number): Uint8Array {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new IlogError('INVALID_ENTRY', 'an entry is a JSON object; send several as application/x-ndjson', { field: '', ...(line === undefined ? {} : { line }) });
  }
  const refusal = writeTokenRefusal(obj as { kind?: unknown; signature?: unknown });
  if (refusal !== undefined) {
    const kind = String((obj as { kind?: unknown }).kind);
    throw new IlogError('KIND_NOT_ALLOWED', line === undefined ? refusal : `line ${line}: ${refusal}`, { field: 'kind', kind, ...(line === undefined ? {} : { line }) });
  }
  try {
    return encodeEntry(obj);
  } catch (err) {
    // Keep the ledger's code and field, and say which line of a batch was wrong.
    if (err instanceof IlogError && line !== undefined) throw new IlogError(err.code, `line ${line}: ${err.message}`, { ...err.evidence, line });
    throw err;
  }
}

function decodeBody(req: FastifyRequest, limits: WriteLimits): { entries: Uint8Array[]; batch: boolean } {
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.byteLength === 0) throw new IlogError('BAD_REQUEST', 'request body is empty; send one JSON entry (or JSON lines)');
  const text = body.toString('utf8');
  if (!req.headers['content-type']?.startsWith('application/x-ndjson')) return { entries: [encodeAt(parseJsonBody(text))], batch: false };
  const entries: Uint8Array[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (entries.length === limits.maxBatchEntries) {
      throw new IlogError('BODY_TOO_LARGE', 'too many entries in one request; split the batch', { max: limits.maxBatchEntries });
    }
    entries.push(encodeAt(parseJsonBody(line, i + 1), i + 1));
  }
  if (entries.length === 0) throw new IlogError('BAD_REQUEST', 'the batch has no entries');
  return { entries, batch: true };
}

export function registerWriteRoutes(
  app: FastifyInstance,
  opts: { writer: LogWriter; authorize: (req: FastifyRequest) => void; tiles: TileCache; limits?: Partial<WriteLimits> },
): void {
  const limits = { ...DEFAULT_WRITE_LIMITS, ...opts.limits };
  // An encapsulated scope: these parsers (raw bytes, our own JSON errors) apply to /add only.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'application/x-ndjson'], { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_req, body, done) => done(null, body));
    // Authenticate before the body is read, so unauthenticated clients cannot make us parse anything.
    scope.addHook('onRequest', async (req) => opts.authorize(req));

    scope.post('/add', async (req) => {
      const wait = (req.query as Record<string, unknown>).wait;
      if (wait !== undefined && wait !== 'integrated') throw new IlogError('BAD_PARAMETER', 'wait must be "integrated" or absent', { field: 'wait' });
      const { entries, batch } = decodeBody(req, limits);
      const indexes = await opts.writer.appendMany(entries);
      if (wait === undefined) return batch ? { indexes } : { index: indexes[0] };

      const last = indexes[indexes.length - 1]!;
      const done = await opts.writer.awaitIntegrated(last);
      if (!batch) return { index: last, checkpoint: done.checkpoint, proof: done.proof.map(toBase64) };
      const nodes = opts.tiles.nodeReader(done.size);
      const proofs = indexes.map((i) => (i === last ? done.proof : inclusionProof(i, done.size, nodes)).map(toBase64));
      return { indexes, checkpoint: done.checkpoint, proofs };
    });
  });
}

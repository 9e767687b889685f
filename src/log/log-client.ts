// A client for the C2SP tlog-tiles v0.1.0 read API (and ilog's POST /add), as
// an outside tool would use it: `ilog verify --url`, followers and `ilog append
// --url`. Everything a server returns is untrusted: sizes are bounded before
// bodies are read, and bundles must hold exactly the entries their path promises.
import { decodeBundle, entriesPath, TILE_WIDTH } from '../ledger/tiles.js';
import { asErrorCode, IlogError } from '../ledger/errors.js';
import { entriesOfTree, HttpTilesReader, logBaseUrl } from '../storage/http/http-tiles.js';

export interface LogClientOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Bearer token for POST /add. */
  token?: string;
  /** Read token for the read API (default $ILOG_READ_TOKEN; a server beyond loopback requires one). */
  readToken?: string;
}

export class LogClient {
  readonly baseUrl: string;
  /** The read API, through the one tiles client (storage/http/http-tiles.ts). */
  readonly reader: HttpTilesReader;
  readonly #timeoutMs: number;
  readonly #token: string | undefined;

  constructor(baseUrl: string, opts: LogClientOptions = {}) {
    this.baseUrl = logBaseUrl(baseUrl);
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#token = opts.token;
    this.reader = new HttpTilesReader(this.baseUrl, {
      timeoutMs: this.#timeoutMs,
      ...(opts.readToken !== undefined ? { readToken: opts.readToken } : {}),
      codes: { unreachable: 'FETCH_FAILED', status: 'FETCH_FAILED', tooLarge: 'RESPONSE_TOO_LARGE' },
    });
  }

  /** The latest signed checkpoint note (unverified: open it with the log's vkey). */
  async checkpoint(): Promise<string> {
    const note = await this.reader.latestCheckpoint();
    if (note === undefined) throw new IlogError('NO_CHECKPOINT', 'the log has no checkpoint yet', { url: this.baseUrl });
    return note;
  }

  /** Hash tile bytes, or undefined if the server has no such tile (404). */
  async tile(level: number, index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    return this.reader.readTile(level, index, width);
  }

  /** Raw entry bundle bytes, or undefined on 404. */
  async entryBundle(index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    return this.reader.readEntryBundle(index, width);
  }

  /** The entries of bundle `index` of `width`, checked to be exactly `width` of them. */
  async bundleEntries(index: number, width = TILE_WIDTH): Promise<Uint8Array[]> {
    const data = await this.entryBundle(index, width);
    if (data === undefined) throw new IlogError('TILE_MISSING', 'the server does not have this entry bundle', { path: entriesPath(index, width) });
    return decodeBundle(data, width);
  }

  /** Entries [from, to) of a tree of `size` (to <= size), read bundle by bundle. */
  async entries(from: number, to: number, size: number): Promise<Uint8Array[]> {
    return entriesOfTree(from, to, size, (i, w) => this.entryBundle(i, w));
  }

  /** POST /add with JSON lines; returns the indexes (once durable). Errors keep the server's code. */
  async add(ndjson: string): Promise<number[]> {
    return (await this.#add(ndjson, '')).indexes;
  }

  /**
   * POST /add?wait=integrated: returns the indexes once a signed checkpoint covers the entries,
   * with that checkpoint and each entry's RFC 9162 inclusion proof (unverified: check them).
   */
  async addIntegrated(ndjson: string): Promise<{ indexes: number[]; checkpoint: string; proofs: Uint8Array[][] }> {
    const body = await this.#add(ndjson, '?wait=integrated');
    const { checkpoint, proofs } = body as { checkpoint?: unknown; proofs?: unknown };
    if (typeof checkpoint !== 'string' || !Array.isArray(proofs) || proofs.length !== body.indexes.length || !proofs.every((p) => Array.isArray(p) && p.every((h) => typeof h === 'string'))) {
      throw new IlogError('FETCH_FAILED', `${this.baseUrl}/add?wait=integrated answered without a checkpoint and a proof per entry; is the server an ilog log service?`, { url: this.baseUrl });
    }
    return { indexes: body.indexes, checkpoint, proofs: (proofs as string[][]).map((p) => p.map((h) => Buffer.from(h, 'base64'))) };
  }

  async #add(ndjson: string, query: string): Promise<{ indexes: number[] } & Record<string, unknown>> {
    const url = `${this.baseUrl}/add`;
    let res: Response;
    try {
      res = await fetch(url + query, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}) },
        body: ndjson,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new IlogError('FETCH_FAILED', `could not reach ${url}; is the log server running?`, { url, cause: String((err as Error).cause ?? err) });
    }
    const body = (await res.json().catch(() => ({}))) as { indexes?: number[]; error?: { code?: string; message?: string } & Record<string, unknown> };
    if (res.status !== 200 || !Array.isArray(body.indexes)) {
      const { code, message, ...evidence } = body.error ?? {};
      throw new IlogError(asErrorCode(code, 'FETCH_FAILED'), message ?? `${url} answered HTTP ${res.status}`, { status: res.status, ...(code !== undefined ? { remoteCode: code } : {}), ...evidence, ...(res.headers.get('retry-after') ? { retryAfter: res.headers.get('retry-after') } : {}) });
    }
    return body as { indexes: number[] } & Record<string, unknown>;
  }
}

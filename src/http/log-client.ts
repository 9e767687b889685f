// A client for the C2SP tlog-tiles v0.1.0 read API (and ilog's POST /add), as
// an outside tool would use it: `ilog verify --url`, followers and `ilog append
// --url`. Everything a server returns is untrusted: sizes are bounded before
// bodies are read, and bundles must hold exactly the entries their path promises.
import { decodeBundle, entriesPath, tilePath, TILE_WIDTH } from '../ledger/tiles.js';
import { HASH_SIZE } from '../ledger/hash.js';
import { asErrorCode, IlogError } from '../ledger/errors.js';

const MAX_CHECKPOINT_BYTES = 1 << 20;
const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + 65535);

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
  readonly #timeoutMs: number;
  readonly #token: string | undefined;
  readonly #readToken: string | undefined;

  constructor(baseUrl: string, opts: LogClientOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new IlogError('USAGE', `not a URL: "${baseUrl}" (expected e.g. http://127.0.0.1:7400)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new IlogError('USAGE', 'the log URL must be http:// or https://', { url: baseUrl });
    this.baseUrl = u.href.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#token = opts.token;
    this.#readToken = opts.readToken ?? (process.env.ILOG_READ_TOKEN || undefined);
  }

  async #get(path: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const url = `${this.baseUrl}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), ...(this.#readToken ? { headers: { authorization: `Bearer ${this.#readToken}` } } : {}) });
    } catch (err) {
      throw new IlogError('FETCH_FAILED', `could not fetch ${url}; is the log server running?`, { url, cause: String((err as Error).cause ?? err) });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new IlogError('FETCH_FAILED', `${url} answered HTTP ${res.status}`, { url, status: res.status });
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new IlogError('RESPONSE_TOO_LARGE', `${url} is larger than any valid response`, { url, length: declared, max: maxBytes });
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.byteLength > maxBytes) throw new IlogError('RESPONSE_TOO_LARGE', `${url} is larger than any valid response`, { url, length: body.byteLength, max: maxBytes });
    return body;
  }

  /** The latest signed checkpoint note (unverified: open it with the log's vkey). */
  async checkpoint(): Promise<string> {
    const body = await this.#get('checkpoint', MAX_CHECKPOINT_BYTES);
    if (body === undefined) throw new IlogError('NO_CHECKPOINT', 'the log has no checkpoint yet', { url: this.baseUrl });
    return Buffer.from(body).toString('utf8');
  }

  /** Hash tile bytes, or undefined if the server has no such tile (404). */
  async tile(level: number, index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    return this.#get(tilePath(level, index, width), width * HASH_SIZE);
  }

  /** Raw entry bundle bytes, or undefined on 404. */
  async entryBundle(index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    return this.#get(entriesPath(index, width), MAX_BUNDLE_BYTES);
  }

  /** The entries of bundle `index` of `width`, checked to be exactly `width` of them. */
  async bundleEntries(index: number, width = TILE_WIDTH): Promise<Uint8Array[]> {
    const data = await this.entryBundle(index, width);
    if (data === undefined) throw new IlogError('TILE_MISSING', 'the server does not have this entry bundle', { path: entriesPath(index, width) });
    return decodeBundle(data, width);
  }

  /** Entries [from, to) of a tree of `size` (to <= size), read bundle by bundle. */
  async entries(from: number, to: number, size: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let n = Math.floor(from / TILE_WIDTH); n * TILE_WIDTH < to; n++) {
      const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
      const bundle = await this.bundleEntries(n, width);
      const lo = Math.max(from - n * TILE_WIDTH, 0);
      const hi = Math.min(to - n * TILE_WIDTH, width);
      out.push(...bundle.slice(lo, hi));
    }
    return out;
  }

  /** POST /add with JSON lines; returns the indexes. Errors keep the server's code. */
  async add(ndjson: string): Promise<number[]> {
    const url = `${this.baseUrl}/add`;
    let res: Response;
    try {
      res = await fetch(url, {
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
    return body.indexes;
  }
}

// HTTP transport of the tlog-witness v1.0.0 API: `POST /add-checkpoint` (the
// submission prefix is the server root). Bodies of any content type are taken
// as text, bounded by MAX_BODY_BYTES (larger ones get fastify's 413).

import Fastify, { type FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES } from './add-checkpoint-body.js';
import type { Witness, WitnessResponse } from './witness.js';

export interface WitnessServerOptions {
  /** Called for every answered request (the CLI prints refused ones). */
  onResponse?: (res: WitnessResponse) => void;
}

export function witnessServer(witness: Witness, opts: WitnessServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, keepAliveTimeout: 60_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const batch = groupCommit(witness);
  app.post('/add-checkpoint', async (req, reply) => {
    const res = await batch(typeof req.body === 'string' ? req.body : '');
    opts.onResponse?.(res);
    return reply.code(res.status).type(res.contentType).send(res.body);
  });
  app.get('/health', async () => ({ ok: true, origins: witness.origins }));
  return app;
}

/** Requests that arrive in the same event-loop turn are handled in one transaction (one fsync). */
function groupCommit(witness: Witness, max = 256): (body: string) => Promise<WitnessResponse> {
  let queue: { body: string; resolve: (r: WitnessResponse) => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const items = queue.splice(0, max);
    if (queue.length > 0) setImmediate(flush);
    try {
      const out = witness.addCheckpoints(items.map((i) => i.body));
      items.forEach((item, k) => item.resolve(out[k] as WitnessResponse));
    } catch (err) {
      for (const item of items) item.reject(err);
    }
  };
  return (body) =>
    new Promise((resolve, reject) => {
      if (queue.push({ body, resolve, reject }) === 1) setImmediate(flush);
    });
}

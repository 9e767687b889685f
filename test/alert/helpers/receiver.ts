// A real HTTP server on 127.0.0.1:0 standing in for webhook and Slack receivers:
// records each request's raw body and headers, and answers `failFirst` requests
// with `failStatus` before answering 200 (requests to `failPaths` always fail).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  stop(): Promise<void>;
}

export async function startReceiver(opts: { failFirst?: number; failStatus?: number; failPaths?: RegExp } = {}): Promise<Receiver> {
  const received: Received[] = [];
  let failures = opts.failFirst ?? 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const failing = opts.failPaths?.test(req.url ?? '') || (failures > 0 && failures--);
      const status = failing ? (opts.failStatus ?? 500) : 200;
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

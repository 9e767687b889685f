// GET /metrics (Prometheus text format), GET /healthz (the process is alive) and
// GET /readyz (it can do its work: log writable, witness policy met, upstream
// reachable — each check names its reason when it fails). Served on the main
// HTTP server, or on their own port with --metrics-listen (startOpsServer) where
// the main port is public or speaks another protocol (the proxy).
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import type { Metrics } from './metrics.js';

/** One readiness condition: resolves with why it is not met, or undefined when it is. */
export interface ReadinessCheck {
  name: string;
  check(): string | undefined | Promise<string | undefined>;
}

export interface OpsEndpoints {
  metrics: Metrics;
  checks: ReadinessCheck[];
  /**
   * Checks a /metrics request (throws to refuse): on a main port whose reads need
   * a token, the same read token. /healthz and /readyz stay open for probes; they
   * say only whether the process works, and why not.
   */
  authorizeMetrics?: (req: FastifyRequest) => void;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string }>;
}

export async function readiness(checks: readonly ReadinessCheck[]): Promise<Readiness> {
  const out: Readiness = { ready: true, checks: {} };
  for (const c of checks) {
    let reason: string | undefined;
    try {
      reason = await c.check();
    } catch (e) {
      reason = `check failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    out.checks[c.name] = reason === undefined ? { ok: true } : { ok: false, reason };
    if (reason !== undefined) out.ready = false;
  }
  return out;
}

/** Registers /metrics, /healthz and /readyz on `app`. */
export function registerOpsRoutes(app: FastifyInstance, ops: OpsEndpoints): void {
  app.get('/metrics', async (req, reply) => {
    ops.authorizeMetrics?.(req);
    const text = await ops.metrics.text();
    return reply.type(ops.metrics.contentType).send(text);
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(ops.checks);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
}

/** A separate HTTP server for the ops endpoints (`--metrics-listen`). Resolves with its URL. */
export async function startOpsServer(host: string, port: number, ops: OpsEndpoints): Promise<{ url: string; app: FastifyInstance }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerOpsRoutes(app, ops);
  await app.listen({ host, port });
  const a = app.server.address();
  const actual = typeof a === 'object' && a ? a.port : port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, app };
}

/** Readiness of a TCP service (the proxy's upstream PostgreSQL): a connection opens within `timeoutMs`. */
export function tcpReachable(name: string, host: string, port: number, timeoutMs = 1000): ReadinessCheck {
  return {
    name,
    check: () =>
      new Promise((resolve) => {
        const s = connect({ host, port });
        const done = (reason: string | undefined): void => {
          clearTimeout(timer);
          s.destroy();
          resolve(reason);
        };
        const timer = setTimeout(() => done(`${host}:${port} did not accept a connection within ${timeoutMs} ms`), timeoutMs);
        s.once('connect', () => done(undefined));
        s.once('error', (e) => done(`${host}:${port}: ${e.message}`));
      }),
  };
}

/** Readiness of a store file: it exists and this process may write it. */
export function fileWritable(name: string, path: string): ReadinessCheck {
  return {
    name,
    check: () => {
      try {
        accessSync(path, constants.W_OK);
        return undefined;
      } catch (e) {
        return `${path} is not writable: ${(e as Error).message}`;
      }
    },
  };
}

// `access`: one person's access to company data, written before the access runs
// (PostgreSQL proxy) or reported by an application. Literal values never appear:
// statements are normalised and each value is an HMAC (DESIGN.md, "The log").

import { z } from 'zod';
import { baseEntryShape, hex256Schema, nonEmpty, timeSchema } from './common.js';
import { statementOutcomeShape } from './outcome.js';

export const accessSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('access'),
  /** "pg-proxy", "app:<name>", or "console" (what a reviewer viewed in the web console, docs/console.md). */
  source: z.string().regex(/^(pg-proxy|console|app:[^\s:]+)$/, 'must be "pg-proxy", "console" or "app:<name>"'),
  person: nonEmpty,
  /** Proxy or app session id (string, or an integer counter). */
  session: z.union([nonEmpty, z.number().int().nonnegative()]).optional(),
  role: nonEmpty.optional(),
  database: nonEmpty.optional(),
  client: z.strictObject({ address: nonEmpty.optional(), application: z.string().optional() }).optional(),
  purpose: z.string().optional(),
  /** select|insert|update|delete|copy_in|copy_out|ddl|grant|other, or an app verb (view, export, …). */
  action: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'must be a lowercase verb such as select or view'),
  relations: z.array(nonEmpty).optional(),
  /** Names in `relations` the proxy could not pin to one schema (search_path unknown or ambiguous); the reconciler records what PostgreSQL touched. */
  unresolved: z.array(nonEmpty).optional(),
  /** "proxy": a statement the proxy itself ran on the person's backend (name resolution), logged like theirs. */
  by: z.literal('proxy').optional(),
  resource: z.strictObject({ type: nonEmpty, ids: z.array(z.string()).optional() }).optional(),
  statement: z
    .strictObject({
      kind: nonEmpty,
      /** Normalised text: constants replaced by $n. */
      text: z.string(),
      /** SHA-256 of the full normalised text (kept when `text` is truncated). */
      sha256: hex256Schema,
      truncated: z.boolean().optional(),
      /** HMAC-SHA256 (hex) of each literal / bind value, in order. */
      values: z.array(hex256Schema),
      /** SQL inside the statement (DO and function bodies, SQL string arguments), normalised; `opaque` when some of it could not be read. */
      body: z
        .strictObject({ text: z.string(), sha256: hex256Schema, truncated: z.boolean().optional(), opaque: z.boolean().optional() })
        .optional(),
    })
    .optional(),
  rows: z.number().int().nonnegative().optional(),
  /**
   * PostgreSQL proxy: how the statement ended, when the entry was written after its answer
   * (a statement proven read-only, whose answer the proxy held until this entry was durable:
   * docs/proxy.md). Otherwise the outcome is a later `outcome` entry naming this one.
   */
  outcome: z.strictObject(statementOutcomeShape).optional(),
  /**
   * When the access itself happened, for accesses imported or backfilled after the fact
   * (`ilog import`, the app API's backfill permission). `time` stays when it was logged.
   */
  accessedAt: timeSchema.optional(),
  /**
   * PostgreSQL proxy: the upstream backend that ran the statement, so the pgAudit
   * reconciler can match the server's own audit record exactly (docs/reconcile.md):
   * backend pid (BackendKeyData), the proxy's local port of that connection (the
   * csvlog connection_from port), the statement's 1-based number among those the
   * proxy sent on that backend, and the HMAC of the exact query string sent
   * (what pgAudit logs as the statement text).
   */
  upstream: z
    .strictObject({
      pid: z.number().int().positive().max(2 ** 31 - 1),
      port: z.number().int().min(0).max(65535).optional(),
      seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      query: hex256Schema,
    })
    .optional(),
});

export type AccessEntry = z.infer<typeof accessSchema>;

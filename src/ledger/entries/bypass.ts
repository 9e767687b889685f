// `bypass.detected` (pgAudit reconciler, docs/reconcile.md): something reached the
// database, or could have, without a matching `access` entry — statements on a
// backend the proxy does not own, statements on a proxy backend that match no
// entry, gaps in pgAudit's statement numbers or in the server log itself, and
// changes to the audit settings. Statement texts are normalised and values
// HMACed exactly like `access` entries; nothing from the server log is kept in clear.

import { z } from 'zod';
import { baseEntryShape, hex256Schema, index, nonEmpty } from './common.js';

export const BYPASS_REASONS = ['unowned-backend', 'unmatched-statement', 'statement-gap', 'audit-settings', 'log-gap', 'replication'] as const;

/** A position in the server log: file name (no directory) and the byte offset just after a record. */
export const serverLogPosition = z.strictObject({ file: nonEmpty.max(255), offset: index });

/** One audited statement as pgAudit reported it (statement id, command tag, class, objects). */
export const auditedStatement = z.strictObject({
  id: z.number().int().nonnegative(),
  command: z.string().max(64),
  class: z.string().max(64).optional(),
  objects: z.array(nonEmpty.max(200)).max(64).optional(),
  /** Normalised text (constants → $n), possibly truncated; `sha256` is of the full normalised text. */
  text: z.string(),
  sha256: hex256Schema,
  truncated: z.boolean().optional(),
  values: z.array(hex256Schema).max(256),
});

/** The server backend (csvlog process_id and session_id, i.e. backend start time and pid). */
export const serverBackend = z.strictObject({ pid: z.number().int().nonnegative(), session: nonEmpty.max(64), start: z.string().max(64).optional() });

export const bypassDetectedSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('bypass.detected'),
  reason: z.enum(BYPASS_REASONS),
  /** Which database server's log this came from (the reconciler's --server name). */
  server: nonEmpty.max(200),
  /** The person when the backend belongs to a proxy session; otherwise absent. */
  person: nonEmpty.optional(),
  /** The database role (csvlog user_name). */
  user: nonEmpty.max(200).optional(),
  database: nonEmpty.max(200).optional(),
  /** application_name as the client set it: informational only, forgeable. */
  application: z.string().max(200).optional(),
  client: z.strictObject({ address: nonEmpty.max(100).optional(), port: z.number().int().min(0).max(65535).optional() }).optional(),
  backend: serverBackend.optional(),
  /** Statements represented by this entry (a burst of one backend is grouped); `count` is their number. */
  statements: z.array(auditedStatement).max(500).optional(),
  count: z.number().int().nonnegative(),
  /** What is missing: pgAudit statement ids, csvlog line numbers of a backend, or bytes of a log file. */
  missing: z
    .strictObject({
      statements: z.strictObject({ from: index, to: index }).optional(),
      lines: z.strictObject({ from: index, to: index }).optional(),
      file: nonEmpty.max(255).optional(),
      bytes: z.strictObject({ from: index, to: index.optional() }).optional(),
    })
    .optional(),
  /** What the server said, e.g. `parameter "pgaudit.log" changed to "none"` (settings only, never data). */
  detail: z.string().max(1000).optional(),
  log: serverLogPosition,
});

export type BypassDetectedEntry = z.infer<typeof bypassDetectedSchema>;

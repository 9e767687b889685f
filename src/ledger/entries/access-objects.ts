// `access.objects` (pgAudit reconciler, docs/reconcile.md): the relations and
// functions PostgreSQL itself reports for a proxied statement (pgAudit object
// and relation logging sees the tables behind views and inside functions), when
// they differ from the `relations` of its `access` entry. The detector uses this
// list instead of the proxy's.

import { z } from 'zod';
import { baseEntryShape, index, nonEmpty } from './common.js';
import { serverBackend, serverLogPosition } from './bypass.js';

export const accessObjectsSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('access.objects'),
  /** Index of the `access` entry this completes. */
  access: index,
  server: nonEmpty.max(200),
  /** Schema-qualified names as PostgreSQL resolved them (pgAudit object_name), sorted. */
  objects: z.array(nonEmpty.max(200)).max(256),
  /** pgAudit's statement id on that backend. */
  statement: z.number().int().nonnegative(),
  backend: serverBackend,
  log: serverLogPosition,
});

export type AccessObjectsEntry = z.infer<typeof accessObjectsSchema>;

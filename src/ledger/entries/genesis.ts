// `genesis`: entry 0 of every log. Names the log (origin) and its signing key;
// governance fills `admins` and `quorum` (the M of N that later changes need).

import { z } from 'zod';
import { baseEntryShape, nonEmpty } from './common.js';

export const genesisSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('genesis'),
  origin: nonEmpty,
  /** signed-note vkey of the log's checkpoint signer. */
  logKey: nonEmpty,
  admins: z.array(z.strictObject({ name: nonEmpty, vkey: nonEmpty })).optional(),
  quorum: z.number().int().positive().optional(),
});

export type GenesisEntry = z.infer<typeof genesisSchema>;

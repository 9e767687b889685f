// Kinds owned by other areas (docs/dev/contracts.md "Entries"), accepted with a
// permissive-but-typed schema until the owning area registers a strict one with
// registerEntryKind: the base fields are checked, other fields must be JSON.
// Without these, a process that decodes the log but never imported (say) the
// governance module would reject valid governance entries.

import { z } from 'zod';
import { baseEntryShape } from './common.js';

export const ENTRY_FAMILIES = ['lock', 'lockdown', 'user', 'governance', 'breakglass', 'alert', 'bypass', 'context'] as const;

export const familyEntrySchema = z.object(baseEntryShape).catchall(z.json());

export type FamilyEntry = z.infer<typeof familyEntrySchema>;

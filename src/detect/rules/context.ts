// The inputs every access rule sees. Rules read the baselines as they were
// *before* this entry (the detector learns from the entry afterwards), so an
// event is always judged against the person's past, never against itself.
import type { GroupState, PersonState } from '../baseline.js';
import type { DetectorConfig } from '../config.js';
import type { AccessView } from '../entry-view.js';
import type { BloomFilter } from '../stats/bloom.js';
import type { Desks } from '../stats/desks.js';
import type { RecentKeys } from '../stats/recent-keys.js';

export interface AccessContext {
  index: number;
  v: AccessView;
  p: PersonState;
  g: GroupState;
  cfg: DetectorConfig;
  /** Local hour of day (0-23) and day number since the epoch, after cfg.utcOffsetMinutes. */
  hour: number;
  day: number;
  /** Every record key any access has carried so far. */
  seen: BloomFilter;
  /** The person's team (department of the role) and the records it touched in the last days. */
  team: string;
  teamKeys: RecentKeys;
  desks: Desks;
}

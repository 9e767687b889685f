// What the detector hands to the alert area: one suspicious event (or pattern)
// with the person it is about, the people it also concerns (never recipients
// of its alert), a 0-100 score and plain-language reasons a reviewer can act on.

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** Stable id (e.g. rule + first entry index) so replays do not raise twice. */
  id: string;
  /** Rule that fired, e.g. 'watchlist', 'bulk-read', 'off-hours'. */
  rule: string;
  /** Every rule that contributed, strongest first (`rule` is the first). Optional for older producers. */
  rules?: string[];
  /** The person whose behaviour this is about. */
  subject: string;
  /** Others it concerns (e.g. the admin granted a role, the colleague looked up). */
  alsoConcerns: string[];
  severity: Severity;
  /** 0..100 risk: how rare the person's day with these signals is in this organisation (detect/calibration.ts). */
  score: number;
  /** The calibrated risk itself: −log10 of the estimated share of person-days this rare (sum over rules). */
  risk?: number;
  /** Plain-language reasons, most important first. */
  reasons: string[];
  /** Log indexes of the entries that triggered it. */
  entries: number[];
  /** RFC 3339 time of the access itself (for an imported access, when it happened, not when it was logged). */
  time: string;
  /**
   * Within the daily alert budget (detect/budget.ts): raise and route it. False: a finding
   * kept for reviewers to browse, nobody paged. Absent (older producers): an alert.
   */
  alert?: boolean;
  /** Calibrated rarity in this organisation: active person-days per case scoring this high lately. */
  rarity?: number;
}

// Detector configuration: a plain JSON object (from a file or the CLI), validated
// with zod so a typo in a rule's settings is a coded error, not a silent default.
// Every setting has a default that worked on the generated evaluation traffic
// (eval/); docs/detect.md explains each one.
import { z } from 'zod';
import { IlogError } from '../ledger/errors.js';

const strength = z.number().min(0).max(1);

const watchEntry = z.object({
  /** Resource id or value HMAC exactly as it appears in `resource.ids` / `statement.values`. */
  ids: z.array(z.string().min(1)).min(1),
  /** Plain-language label shown in reasons, e.g. "VIP patient", "colleague B. Ortiz". */
  label: z.string().min(1),
  /** Persons related to the record (the employee whose family member it is, the colleague themself). */
  related: z.array(z.string()).default([]),
  /** Persons whose access is expected (the assigned care team); they are not flagged. */
  allowed: z.array(z.string()).default([]),
  /** Roles (peer groups) whose access is expected, e.g. billing for invoices. */
  allowedGroups: z.array(z.string()).default([]),
  strength: strength.default(0.8),
});

const purposeRule = z.object({
  /** Which accesses this rule covers; every given field must match (relations: any overlap). */
  match: z.object({
    source: z.string().optional(),
    group: z.string().optional(),
    action: z.array(z.string()).optional(),
    relations: z.array(z.string()).optional(),
    resourceTypes: z.array(z.string()).optional(),
  }),
  /** Regular expression the purpose must match (anchored by the author if wanted). */
  pattern: z.string(),
  label: z.string().optional(),
});

export const detectorConfigSchema = z.object({
  /** Offset of local time from UTC in minutes, for hour-of-day and day boundaries. */
  utcOffsetMinutes: z.number().int().min(-840).max(840).default(0),
  /** Findings below this score are not emitted (they still feed baselines). */
  minScore: z.number().min(0).max(100).default(30),
  severity: z.object({ medium: z.number().default(55), high: z.number().default(80) }).prefault({}),
  warmup: z
    .object({
      /** A person's first events/days only teach the baselines; no "first time" or norm-based flags. */
      events: z.number().int().min(0).default(50),
      days: z.number().int().min(0).default(5),
    }).prefault({}),
  /** After a rule fires for a person it stays quiet for this long unless the signal grows. */
  cooldownMinutes: z.number().min(0).default(120),
  /** Fact rules (watch list, purpose, privilege, bypass) report the same fact about a person once per this period. */
  factCooldownHours: z.number().min(0).default(24),
  riskHalfLifeHours: z.number().positive().default(72),
  /**
   * Scale each signal by how often its rule fires in the person's role (rules/calibrate.ts).
   * Off by default: on the evaluation it cost recall (docs/detect.md).
   */
  calibrate: z.boolean().default(false),
  /** Alerts per 1,000 active people per day; the highest risks become alerts, the rest stay findings (budget.ts). */
  budget: z
    .object({
      perThousand: z.number().min(0).default(5),
      /** Floor for small organisations: at least this many alerts a day may be raised. */
      minPerDay: z.number().min(0).default(1),
      /** An access logged this long after it happened (import, backfill) teaches the baselines but never pages. */
      backfillHours: z.number().positive().default(24),
    }).prefault({}),
  context: z
    .object({
      /** Explain accesses by groups learned from the log (people who work on the same subjects). */
      learnedGroups: z.boolean().default(true),
      /** A relationship still explains an access this many days after it ended (billing, follow-up). */
      afterDays: z.number().min(0).default(14),
      /**
       * A team's relationship explains an access only while the team's relationships cover at most this share of
       * the subjects others open (context-book.ts): a relationship that covers everyone explains nothing. 0.1: it
       * must make the access at least ten times likelier than a look-up at a random subject others work on.
       */
      maxTeamCoverage: z.number().min(0).max(1).default(0.1),
    }).prefault({}),
  watchlist: z.array(watchEntry).default([]),
  purposes: z.array(purposeRule).default([]),
  rules: z
    .object({
      watchlist: z
        .object({
          enabled: z.boolean().default(true),
          /** A look-up of a watch-listed record is judged after this window: did the person go on to work with it? */
          windowMinutes: z.number().positive().default(120),
          /** Strength kept when they did (a ticket or a covered shift is still worth a look, lower in the queue). */
          engaged: z.number().min(0).max(1).default(0.5),
        }).prefault({}),
      purpose: z
        .object({ enabled: z.boolean().default(true), missing: strength.default(0.45), mismatch: strength.default(0.6) }).prefault({}),
      offHours: z
        .object({
          enabled: z.boolean().default(true),
          /** Smoothed share of the person's past activity in this hour below which it is "off hours". */
          maxShare: z.number().min(0).max(1).default(0.01),
          strength: strength.default(0.75),
        }).prefault({}),
      bulk: z
        .object({
          enabled: z.boolean().default(true),
          /** Rows in one read, or distinct records in a day, must exceed the norm by this factor... */
          minRatio: z.number().min(1).default(5),
          /** ...and by this many standard deviations (log scale). */
          minZ: z.number().min(0).default(3),
          /** Slow drip: CUSUM of daily distinct records (in sd units) with slack k and threshold h. */
          cusumK: z.number().min(0).default(0.5),
          cusumH: z.number().min(0).default(4),
          strength: strength.default(0.85),
        }).prefault({}),
      firstAccess: z
        .object({ enabled: z.boolean().default(true), person: strength.default(0.3), group: strength.default(0.55) }).prefault({}),
      foreignRecord: z
        .object({
          enabled: z.boolean().default(true),
          /** How long a glance stays open: working with the record within it (a write, or a return to it) clears it. */
          windowMinutes: z.number().positive().default(480),
          /** A second access at least this long after the first is a return (a glance repeated within minutes is not). */
          engageAfterMinutes: z.number().min(0).default(20),
          strength: strength.default(0.7),
          /**
           * Team of a role: the first capture group of this pattern (roles `nurse:oncology` and
           * `doctor:oncology` form team `oncology`); a role it does not match is its own team.
           */
          team: z.string().default('^[^:]+:(.+)$'),
          /** A record the team touched within this many days is in its care context (not foreign). */
          contextDays: z.number().int().min(1).max(60).default(3),
        }).prefault({}),
      sharedCredentials: z
        .object({
          enabled: z.boolean().default(true),
          windowMinutes: z.number().positive().default(15),
          strength: strength.default(0.8),
          /** An account used from a colleague's personal workstation (one they alone use, on ≥ 3 days). */
          colleagueDesk: strength.default(0.55),
        }).prefault({}),
      privilege: z
        .object({ enabled: z.boolean().default(true), change: strength.default(0.35), self: strength.default(0.95) }).prefault({}),
      bypass: z.object({ enabled: z.boolean().default(true), strength: strength.default(0.9) }).prefault({}),
      recon: z
        .object({
          enabled: z.boolean().default(true),
          /** Distinct tables in a day must exceed the account's daily norm by this factor and this many sd (log scale). */
          minRatio: z.number().min(1).default(4),
          minZ: z.number().min(0).default(3),
          strength: strength.default(0.85),
        }).prefault({}),
    })
    .prefault({}),
  limits: z
    .object({
      /** Distinct records remembered per person per day (beyond it every key counts as new). */
      dayKeys: z.number().int().positive().default(5000),
      /** Tables / resource types / purposes remembered per person and per group. */
      names: z.number().int().positive().default(512),
      /** Bits in each team's daily record filter (bounded memory regardless of subject count). */
      groupFilterBits: z.number().int().min(1024).default(1 << 18),
      /** Client addresses whose users are remembered (colleague's-workstation check). */
      desks: z.number().int().positive().default(100_000),
      /** Access entries awaiting their outcome. */
      pending: z.number().int().positive().default(100_000),
      /** People, subjects with relationships and sensitive subjects from context feeds (resources: 4×); subjects in learned groups. */
      context: z.number().int().positive().default(500_000),
    })
    .prefault({}),
});

export type DetectorConfig = z.output<typeof detectorConfigSchema>;
export type DetectorConfigInput = z.input<typeof detectorConfigSchema>;

/** Validate a config object; throws IlogError('INVALID_DETECT_CONFIG') naming the bad field. */
export function parseDetectorConfig(input: unknown = {}): DetectorConfig {
  const r = detectorConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue ? issue.path.join('.') : '';
    throw new IlogError('INVALID_DETECT_CONFIG', `detector config: ${field || '(root)'}: ${issue?.message ?? 'invalid'}; fix the field and reload`, {
      field,
    });
  }
  try {
    new RegExp(r.data.rules.foreignRecord.team);
  } catch {
    throw new IlogError('INVALID_DETECT_CONFIG', 'detector config: rules.foreignRecord.team is not a valid regular expression', { field: 'rules.foreignRecord.team' });
  }
  for (const [i, p] of r.data.purposes.entries()) {
    try {
      new RegExp(p.pattern);
    } catch {
      throw new IlogError('INVALID_DETECT_CONFIG', `detector config: purposes.${i}.pattern is not a valid regular expression`, {
        field: `purposes.${i}.pattern`,
      });
    }
  }
  return r.data;
}

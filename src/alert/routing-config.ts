// Alert routing policy (docs/alert.md "Routing config"): reviewer groups, the
// reviewers' contacts, rules that send a severity or a detector rule to a group,
// a fallback group, and the escalation/delivery timings. Parsed strictly: a typo
// in the file that decides who hears about misuse must fail loudly, not route
// alerts nowhere.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SEVERITIES } from '../detect/finding.js';
import { IlogError } from '../ledger/errors.js';
import { invalidField } from '../ledger/invalid-field.js';

const name = z.string().min(1).max(128);
const url = z.string().url().refine((u) => /^https?:/.test(u), 'http(s) URL');

const contactSchema = z
  .object({
    email: z.string().email().optional(),
    /** Generic webhook: JSON POST signed with HMAC-SHA256 under `secret`. */
    webhook: z.object({ url, secret: z.string().min(16) }).strict().optional(),
    /** Slack-compatible incoming webhook URL (`{text, blocks}`). */
    slack: url.optional(),
    /** Identities this reviewer has in the log (`person` of access entries), so they are never sent alerts about themselves under another name. */
    persons: z.array(name).max(64).default([]),
  })
  .strict()
  .refine((c) => c.email || c.webhook || c.slack, 'a reviewer needs at least one of email, webhook, slack');

const ruleSchema = z
  .object({
    severity: z.array(z.enum(SEVERITIES)).min(1).optional(),
    rule: z.array(name).min(1).optional(),
    group: name,
  })
  .strict();

const configSchema = z
  .object({
    reviewers: z.record(name, contactSchema),
    groups: z.record(name, z.object({ members: z.array(name).min(1) }).strict()),
    rules: z.array(ruleSchema).default([]),
    fallback: name,
    /** Unacknowledged alerts escalate (primary → fallback → everyone) after this long. */
    escalateAfterMs: z.number().int().min(1000).default(30 * 60_000),
    delivery: z
      .object({
        attempts: z.number().int().min(1).max(20).default(5),
        baseDelayMs: z.number().int().min(0).default(1000),
        maxDelayMs: z.number().int().min(0).default(60_000),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .default({ attempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 10_000 }),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        secure: z.boolean().default(false),
        from: z.string().min(3),
        user: z.string().optional(),
        pass: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RoutingConfig = z.infer<typeof configSchema>;
export type ReviewerContact = RoutingConfig['reviewers'][string];

/** Validates a routing config object; cross-references (group members, rule groups, fallback) must resolve. */
export function parseRoutingConfig(input: unknown): RoutingConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw invalidField(parsed.error, 'BAD_CONFIG', 'alert routing config: ');
  const cfg = parsed.data;
  const fail = (field: string, msg: string): never => {
    throw new IlogError('BAD_CONFIG', `alert routing config: ${field}: ${msg}`, { field });
  };
  for (const [g, { members }] of Object.entries(cfg.groups)) {
    members.forEach((m, i) => cfg.reviewers[m] ?? fail(`groups.${g}.members.${i}`, `unknown reviewer '${m}' (add it under reviewers)`));
  }
  cfg.rules.forEach((r, i) => cfg.groups[r.group] ?? fail(`rules.${i}.group`, `unknown group '${r.group}'`));
  if (!cfg.groups[cfg.fallback]) fail('fallback', `unknown group '${cfg.fallback}'`);
  if (Object.values(cfg.reviewers).some((c) => c.email) && !cfg.smtp) fail('smtp', 'reviewers have email contacts but no smtp server is configured');
  return Object.freeze(cfg);
}

export function loadRoutingConfig(file: string): RoutingConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IlogError('CONFIG_MISSING', `cannot read alert routing config ${file}: write one (see docs/alert.md)`, { file }, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new IlogError('BAD_CONFIG', `alert routing config ${file} is not JSON: ${(e as Error).message}`, { file });
  }
  return parseRoutingConfig(json);
}

// The demo's alerting configuration, written once into the data directory so
// that `npm start` shows detection and alerts without any set-up:
// - alerts.json (docs/alert.md "Routing config"): two reviewer groups whose
//   webhooks point at the demo inbox (`*.demo.invalid`, printed on the demo's
//   console by src/demo/inbox.ts — nothing leaves the machine);
// - detector.json (docs/detect.md): patient tables need a ticket or care id as
//   purpose, and the VIP patients are on a watch list (by value HMAC, so the
//   detector never sees the clear id).
// Existing files are never overwritten: edit them to try real channels.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../../storage/durable-file.js';
import { VIP_PATIENT_IDS, patientMrn } from './company-db.js';

export const DEMO_INBOX_HOST = 'inbox.demo.invalid';
export const DEMO_PURPOSE_PATTERN = '^(TICKET|CARE)-[0-9]+';

const REVIEWERS = { privacy: ['dana', 'erik', 'farah'], security: ['sam', 'tess'] } as const;

function routingConfig(): object {
  const all = [...REVIEWERS.privacy, ...REVIEWERS.security];
  return {
    reviewers: Object.fromEntries(
      all.map((r) => [r, { webhook: { url: `https://${DEMO_INBOX_HOST}/${r}`, secret: 'demo-secret-not-for-production' } }]),
    ),
    groups: { privacy: { members: [...REVIEWERS.privacy] }, security: { members: [...REVIEWERS.security] } },
    rules: [
      { rule: ['watchlist', 'purpose'], group: 'privacy' },
      { severity: ['high'], group: 'security' },
    ],
    fallback: 'security',
    escalateAfterMs: 30 * 60_000,
    // Outside the demo (plain `ilog serve`) the placeholder addresses do not resolve: fail fast.
    delivery: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, timeoutMs: 2000 },
  };
}

function detectorConfig(hmac: (value: string) => string): object {
  const vipKeys = VIP_PATIENT_IDS.flatMap((id) => [hmac(String(id)), hmac(patientMrn(id))]);
  return {
    purposes: [
      {
        match: { relations: ['public.patients', 'public.diagnoses'] },
        pattern: DEMO_PURPOSE_PATTERN,
        label: 'a ticket or care-episode id (TICKET-123, CARE-45)',
      },
    ],
    watchlist: [{ ids: vipKeys, label: 'a VIP patient', strength: 0.8 }],
  };
}

/** Writes alerts.json and detector.json unless they exist; returns the files written. */
export function writeDemoAlertConfig(dir: string, hmac: (value: string) => string): string[] {
  const written: string[] = [];
  for (const [file, body] of [
    ['alerts.json', () => routingConfig()],
    ['detector.json', () => detectorConfig(hmac)],
  ] as const) {
    const path = join(dir, file);
    if (existsSync(path)) continue;
    writeFileDurable(path, JSON.stringify(body(), null, 2) + '\n');
    written.push(file);
  }
  return written;
}

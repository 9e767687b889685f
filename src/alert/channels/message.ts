// What a reviewer reads: one rendering of an alert shared by every channel, in
// plain language first (reasons), then the facts needed to act (subject, score,
// log entries, how to acknowledge).
import type { AlertView } from '../book.js';

export interface AlertMessage {
  /** Alert id (log index of its `alert.raised` entry). */
  alert: number;
  /** Why this message is sent: first notice, escalation, or a delivery failure. */
  event: 'raised' | 'escalated';
  severity: AlertView['severity'];
  rule: string;
  subject: string;
  /** Everyone the alert is about: the subject first, then the colleague looked up, the grantee… */
  concerns: string[];
  score: number;
  reasons: string[];
  entries: number[];
  /** When the access itself happened (for imported history: its original time). */
  time: string;
  accessTime: string;
  /** When the alert reached its recipients (raised or escalated). */
  raisedAt: string;
  recipients: string[];
  title: string;
  text: string;
}

export function renderMessage(a: AlertView, event: AlertMessage['event']): AlertMessage {
  const title = `[ilog] ${a.severity.toUpperCase()} alert #${a.id}${event === 'escalated' ? ' (escalated: not yet acknowledged)' : ''}: ${a.subject} - ${a.reasons[0]}`;
  const lines = [
    title,
    '',
    'Reasons:',
    ...a.reasons.map((r) => `  - ${r}`),
    '',
    `Subject: ${a.subject}${a.alsoConcerns.length ? ` (also concerns: ${a.alsoConcerns.join(', ')})` : ''}`,
    `Rule: ${a.rule}   Score: ${a.score}/100   Raised: ${a.time}`,
    `Log entries: ${a.entries.length ? a.entries.join(', ') : '(none)'}`,
    `Sent to: ${a.recipients.join(', ')}${a.belowMinimum ? '  (WARNING: fewer than two eligible reviewers — fix the routing config)' : ''}`,
    '',
    `Acknowledge: ilog alerts ack ${a.id}   or   POST /v1/alerts/${a.id}/ack`,
    a.closesNeeded > 1 ? `Closing needs ${a.closesNeeded} distinct reviewers.` : '',
  ];
  return {
    alert: a.id,
    event,
    severity: a.severity,
    rule: a.rule,
    subject: a.subject,
    concerns: [a.subject, ...a.alsoConcerns],
    score: a.score,
    reasons: a.reasons,
    entries: a.entries,
    time: a.time,
    accessTime: a.time,
    raisedAt: a.lastRoutedAt,
    recipients: a.recipients,
    title,
    text: lines.filter((l, i) => l !== '' || i < lines.length - 1).join('\n'),
  };
}

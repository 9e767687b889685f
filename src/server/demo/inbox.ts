// The demo inbox: an alert delivery channel that "delivers" to the reviewers of
// the demo's alerts.json by printing on the demo's console, so detection and
// routing can be watched without an SMTP server or a webhook receiver. It only
// reaches webhook addresses on the reserved `.invalid` demo host; every other
// contact goes through the real channels unchanged.
import type { Channel } from '../../alert/channels/index.js';
import type { ReviewerContact } from '../../alert/routing-config.js';
import { DEMO_INBOX_HOST } from './config-files.js';

function inboxReviewer(contact: ReviewerContact): string | undefined {
  const url = contact.webhook?.url;
  if (!url) return undefined;
  const u = new URL(url);
  return u.hostname === DEMO_INBOX_HOST ? decodeURIComponent(u.pathname.slice(1)) || '?' : undefined;
}

/** Channel list for the demo: the inbox first, the real channels minus the inbox's addresses. */
export function withDemoInbox(print: (text: string) => void): (defaults: Channel[]) => Channel[] {
  const inbox: Channel = {
    kind: 'webhook',
    reaches: (c) => inboxReviewer(c) !== undefined,
    async send(contact, message) {
      print(`📣 alert #${message.alert} → ${inboxReviewer(contact)}'s inbox: ${message.title}`);
    },
  };
  return (defaults) => [
    inbox,
    ...defaults.map((ch): Channel => (ch.kind === 'webhook' ? { ...ch, kind: ch.kind, reaches: (c) => ch.reaches(c) && !inbox.reaches(c), send: (c, m) => ch.send(c, m), close: async () => ch.close?.() } : ch)),
  ];
}

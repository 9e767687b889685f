// Slack-compatible incoming webhooks (also accepted by Mattermost, Rocket.Chat):
// a JSON `{text, blocks}` POST; `text` is the fallback shown in notifications.
import type { Channel } from './channel.js';
import { postJson } from './http-post.js';
import type { AlertMessage } from './message.js';

export function slackPayload(m: AlertMessage): { text: string; blocks: unknown[] } {
  return {
    text: m.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: m.reasons.map((r) => `• ${r}`).join('\n') } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `subject *${m.subject}* · rule ${m.rule} · score ${m.score} · entries ${m.entries.join(', ') || '—'} · ack: \`ilog alerts ack ${m.alert}\`` }],
      },
    ],
  };
}

export function slackChannel(timeoutMs: number): Channel {
  return {
    kind: 'slack',
    reaches: (c) => c.slack !== undefined,
    send: (c, m) => postJson(c.slack!, JSON.stringify(slackPayload(m)), {}, timeoutMs),
  };
}

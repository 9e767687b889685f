export { DeliveryError, type Channel } from './channel.js';
export { emailChannel } from './email.js';
export { renderMessage, type AlertMessage } from './message.js';
export { slackChannel, slackPayload } from './slack.js';
export { signWebhook, verifyWebhook, webhookChannel, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.js';

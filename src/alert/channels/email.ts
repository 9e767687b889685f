// Email through an SMTP relay (nodemailer). One pooled transport per service
// (connections are reused: an alert to several reviewers is several messages);
// the SMTP server's rejection of a recipient is permanent, a connection failure
// is retried by the deliverer.
import nodemailer from 'nodemailer';
import type { RoutingConfig } from '../routing-config.js';
import { DeliveryError, type Channel } from './channel.js';

export function emailChannel(smtp: NonNullable<RoutingConfig['smtp']>, timeoutMs: number): Channel {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    pool: true,
    maxConnections: 3,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    kind: 'email',
    reaches: (c) => c.email !== undefined,
    async send(c, m) {
      try {
        await transport.sendMail({
          from: smtp.from,
          to: c.email!,
          subject: m.title,
          text: m.text,
          headers: { 'X-Ilog-Alert': String(m.alert) },
        });
      } catch (e) {
        const code = (e as { responseCode?: number }).responseCode;
        throw new DeliveryError(`SMTP ${smtp.host}:${smtp.port}: ${(e as Error).message}`, code !== undefined && code >= 500);
      }
    },
    async close() {
      transport.close();
    },
  };
}

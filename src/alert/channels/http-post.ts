// JSON POST shared by the webhook and Slack channels: bounded by a timeout, and a
// non-2xx answer is a failure. 4xx answers other than 408/429 are permanent (the
// receiver rejected the request itself; sending it again will not help).
import { DeliveryError } from './channel.js';

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    throw new DeliveryError(`POST ${redact(url)} failed: ${(e as Error).message}`);
  }
  await res.body?.cancel().catch(() => {});
  if (res.ok) return;
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(`POST ${redact(url)} answered ${res.status}`, permanent);
}

/** Webhook URLs often carry their secret in the path (Slack): keep only the origin in errors that go into the log. */
function redact(url: string): string {
  try {
    return new URL(url).origin + '/…';
  } catch {
    return '(invalid URL)';
  }
}

// The hooks the log service uses to publish under a witness policy. A log data
// directory with a `witness-policy` file (C2SP tlog-policy) publishes only
// checkpoints that meet it; without the file nothing changes.
//
// Wiring (http/log-server.ts and server/serve.ts):
//   const w = startWitnessPublishing(dir, storage, { log: (l) => process.stderr.write(l + '\n') });
//   createLogServer({ storage, ..., published: w?.published, health: w?.health });
//   on shutdown: await w?.stop();
// The checkpointer may call w.notify() after signing (else the publisher polls).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import { readLogVkey } from '../log/appender-files.js';
import { parsePolicy, type Policy } from './policy.js';
import { PUBLISHED_FILE } from './published-store.js';
import { WitnessPublisher, type PolicyUnmet, type PublisherOptions, type PublisherSource } from './publisher.js';
import { verifyCheckpointWithPolicy, type PolicyVerification } from './checkpoint-notes.js';

export const POLICY_FILE = 'witness-policy';

export interface WitnessPublishing {
  publisher: WitnessPublisher;
  /** A PublishedTree (http/log-published.ts) serving the witnessed checkpoint. */
  published: WitnessPublisher;
  /** Extra fields for GET /health: `{ witnessPolicy: { policyMet, unmet?, publishedSize, latestSize, witnesses } }`. */
  health(): Record<string, unknown>;
  notify(): void;
  stop(): Promise<void>;
}

export interface PublishingOptions {
  log?: (line: string) => void;
  /** The alert area's hook: called when the policy stops being met (once per episode). */
  onPolicyUnmet?: (info: PolicyUnmet) => void;
  onPolicyMet?: (publishedSize: number) => void;
  onCosign?: PublisherOptions['onCosign'];
  /** Policy text instead of `<dir>/witness-policy`. */
  policy?: string;
  /** Timeouts and retry pacing (tests shorten them). */
  tuning?: Partial<Pick<PublisherOptions, 'timeoutMs' | 'pollMs' | 'retryMs' | 'maxRetryMs'>>;
}

export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IlogError('BAD_POLICY', `cannot read the witness policy ${file}`, { file }, { cause: err });
  }
  return parsePolicy(text);
}

/** Start publishing under `<dir>/witness-policy`, or return undefined when the log has no policy. */
export function startWitnessPublishing(dir: string, source: PublisherSource, opts: PublishingOptions = {}): WitnessPublishing | undefined {
  const file = join(dir, POLICY_FILE);
  if (opts.policy === undefined && !existsSync(file)) return undefined;
  const policy = opts.policy !== undefined ? parsePolicy(opts.policy) : loadPolicyFile(file);
  const publisher = new WitnessPublisher({
    policy,
    logVkey: readLogVkey(dir),
    source,
    dir,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.onPolicyUnmet ? { onPolicyUnmet: opts.onPolicyUnmet } : {}),
    ...(opts.onPolicyMet ? { onPolicyMet: opts.onPolicyMet } : {}),
    ...(opts.onCosign ? { onCosign: opts.onCosign } : {}),
    ...opts.tuning,
  });
  publisher.start();
  return {
    publisher,
    published: publisher,
    health: () => ({ witnessPolicy: publisher.status() }),
    notify: () => publisher.notify(),
    stop: () => publisher.stop(),
  };
}

/** The last checkpoint a log directory published (with cosignatures), if any. */
export function readPublishedCheckpoint(dir: string): string | undefined {
  const file = join(dir, PUBLISHED_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * For `ilog verify --policy <file>`: the checkpoint (the one served at --url, or
 * `<dir>/checkpoint.published`) must be signed by the log and cosigned per the policy.
 */
export function verifyWithPolicyFile(note: string | undefined, policyFile: string, logVkey?: string): PolicyVerification {
  if (note === undefined) throw new IlogError('NO_PUBLISHED_CHECKPOINT', 'the log has published no witnessed checkpoint yet (no checkpoint.published)');
  return verifyCheckpointWithPolicy(note, loadPolicyFile(policyFile), logVkey !== undefined ? { logVkey } : {});
}

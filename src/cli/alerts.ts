// `ilog alerts list|ack|comment|close|escalate|suppress|token`: reviewers act on
// alerts from the command line. Every action is a log entry appended to the log
// in --dir, signed with the reviewer's own key file (--key or $ILOG_REVIEWER_KEY)
// — the same rules as the HTTP API (docs/alert.md). The alert area loads inside each action:
// every `ilog` builds this command tree.
import type { Command } from 'commander';
import { join } from 'node:path';
import type { AlertView } from '../alert/book.js';
import type { AlertService, ReviewerSigner } from '../alert/service.js';
import { IlogError } from '../ledger/errors.js';
import { action, parseCount, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface ReviewerOptions extends GlobalOptions {
  key?: string;
}

/**
 * Opens the log, runs `fn` as the reviewer whose key file is --key (or
 * $ILOG_REVIEWER_KEY), closes. Reviews are signed with that key here, on the
 * reviewer's machine; the log counts them only if the quorum registered the key.
 */
async function asReviewer<T>(opts: ReviewerOptions, fn: (svc: AlertService, me: ReviewerSigner) => Promise<T>): Promise<T> {
  const { openAlertService } = await import('../server/alerting.js');
  const { readReviewerKey } = await import('../alert/reviewer-key.js');
  const { Appender } = await import('../log/appender.js');
  const { ProvenLog } = await import('../log/proven-log.js');
  const { replayStorage } = await import('../governance/replay.js');
  const { policyReviewerKeys } = await import('../server/reviewer-keys.js');
  const file = opts.key ?? process.env.ILOG_REVIEWER_KEY;
  if (!file) throw new IlogError('UNAUTHORIZED', 'pass your reviewer key file with --key or set ILOG_REVIEWER_KEY (make one with `ilog reviewer keygen`)');
  const key = readReviewerKey(file);
  const appender = await Appender.open(opts.dir);
  try {
    const policy = replayStorage(ProvenLog.forDir(opts.dir, appender.storage));
    const svc = openAlertService(opts.dir, appender, appender.storage, { keys: policyReviewerKeys(() => policy) });
    if (!svc.config.reviewers[key.reviewer]) throw new IlogError('UNKNOWN_REVIEWER', `${key.reviewer} is not a reviewer in the routing config`, { by: key.reviewer });
    try {
      return await fn(svc, { name: key.reviewer, key: key.signer });
    } finally {
      await svc.stop();
    }
  } finally {
    await appender.close();
  }
}

function line(a: AlertView): string {
  return `#${a.id}  ${a.time}  ${a.severity.padEnd(6)} ${a.state.padEnd(12)} ${a.subject}  ${a.rule}: ${a.reasons[0]}  → ${a.recipients.join(', ')}`;
}

function parseDuration(s: string): number {
  const m = /^(\d+)(m|h|d)$/.exec(s);
  if (!m) throw usageError(`--for wants a duration such as 30m, 2h or 7d (got "${s}")`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

const withToken = (cmd: Command): Command => withCommonOptions(cmd).option('--key <file>', 'your reviewer key file from `ilog reviewer keygen` (env ILOG_REVIEWER_KEY)');

export function register(program: Command): void {
  const alerts = program.command('alerts').description('list alerts and acknowledge, close or suppress them (as a reviewer)');

  withToken(alerts.command('list').description('alerts you may review, from the log'))
    .option('--subject <person>')
    .option('--severity <low|medium|high>')
    .option('--state <open|acknowledged|closed|suppressed>')
    .option('--since <time>', 'RFC 3339')
    .option('--until <time>', 'RFC 3339')
    .action(
      action<ReviewerOptions & Record<'subject' | 'severity' | 'state' | 'since' | 'until', string | undefined>, []>(async (opts) => {
        const { parseAlertFilter } = await import('../alert/filter.js');
        const { isEligible } = await import('../alert/router.js');
        const { subject, severity, state, since, until } = opts;
        const filter = parseAlertFilter({ subject, severity, state, since, until });
        const list = await asReviewer(opts, async (svc, me) => (await svc.list(filter)).filter((a) => isEligible(svc.config, me.name, a)));
        // Never a silent empty answer: say what was looked at.
        printResult(opts.json, { alerts: list }, list.length ? list.map(line).join('\n') : `(no alerts for you to review in ${opts.dir}${Object.values(filter).some((v) => v !== undefined) ? ' matching the filters' : ''})`);
      }),
    );

  // Signed reviews that take an optional note.
  for (const [name, desc, done] of [
    ['ack', 'acknowledge an alert (a signed log entry)', 'acknowledged'],
    ['escalate', 'send an alert to the next routing level now', 'escalated'],
  ] as const) {
    withToken(alerts.command(`${name} <id>`).description(desc))
      .option('--note <text>')
      .action(
        action<ReviewerOptions & { note?: string }, [string]>(async (opts, id) => {
          const a = await asReviewer(opts, (svc, me) => svc[name](parseCount(id), me, opts.note));
          printResult(opts.json, { alert: a }, `${done}: ${line(a)}`);
        }),
      );
  }

  withToken(alerts.command('close <id>').description('close an alert (high severity needs two distinct reviewers)'))
    .option('--resolution <text>')
    .action(
      action<ReviewerOptions & { resolution?: string }, [string]>(async (opts, id) => {
        const a = await asReviewer(opts, (svc, me) => svc.close(parseCount(id), me, opts.resolution));
        printResult(opts.json, { alert: a }, a.state === 'closed' ? `closed: ${line(a)}` : `close recorded; ${a.closesNeeded - a.closes.length} more reviewer(s) must close it: ${line(a)}`);
      }),
    );

  withToken(alerts.command('comment <id> <text>').description('add a comment to an alert (a signed log entry)')).action(
    action<ReviewerOptions, [string, string]>(async (opts, id, text) => {
      const a = await asReviewer(opts, (svc, me) => svc.comment(parseCount(id), me, text));
      printResult(opts.json, { alert: a }, `commented: ${line(a)}`);
    }),
  );


  withToken(alerts.command('suppress').description('silence new alerts about a subject and/or rule for a while (logged)'))
    .option('--subject <person>')
    .option('--rule <rule>')
    .requiredOption('--for <duration>', 'e.g. 30m, 2h, 7d (at most 30d)')
    .requiredOption('--reason <text>')
    .action(
      action<ReviewerOptions & { subject?: string; rule?: string; for: string; reason: string }, []>(async (opts) => {
        const match = { ...(opts.subject ? { subject: opts.subject } : {}), ...(opts.rule ? { rule: opts.rule } : {}) };
        const s = await asReviewer(opts, (svc, me) => svc.suppressAs(match, parseDuration(opts.for), me, opts.reason));
        printResult(opts.json, { suppression: s }, `suppressed until ${s.until} (log entry ${s.index})`);
      }),
    );

  withCommonOptions(alerts.command('token <reviewer>').description("issue a reviewer's token (printed once) or revoke it"))
    .option('--revoke')
    .action(
      action<GlobalOptions & { revoke?: boolean }, [string]>(async (opts, reviewer) => {
        const { ALERT_FILES, reviewerTokens } = await import('../server/alerting.js');
        const { loadRoutingConfig } = await import('../alert/routing-config.js');
        const store = reviewerTokens(opts.dir);
        if (opts.revoke) {
          store.remove(reviewer);
          return printResult(opts.json, { reviewer, revoked: true }, `revoked ${reviewer}`);
        }
        if (!loadRoutingConfig(join(opts.dir, ALERT_FILES.routing)).reviewers[reviewer]) {
          throw new IlogError('UNKNOWN_REVIEWER', `${reviewer} is not a reviewer in ${ALERT_FILES.routing}; add them there first`, { reviewer });
        }
        const token = store.add(reviewer);
        printResult(opts.json, { reviewer, token }, `${token}\n(store it now: ilog keeps only its hash)`);
      }),
    );
}

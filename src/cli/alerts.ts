// `ilog alerts list|show|ack|close|suppress|token`: reviewers act on alerts from the
// command line. Every action is a log entry appended to the log in --dir, made by
// the reviewer the token (--token or $ILOG_REVIEWER_TOKEN) belongs to — the same
// rules as the HTTP API (docs/alert.md). The alert area loads inside each action:
// every `ilog` builds this command tree.
import type { Command } from 'commander';
import { join } from 'node:path';
import type { AlertView } from '../alert/book.js';
import type { AlertService } from '../alert/service.js';
import { IlogError } from '../ledger/errors.js';
import { action, parseCount, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface ReviewerOptions extends GlobalOptions {
  token?: string;
}

/** Opens the log, runs `fn` as the token's reviewer, closes. */
async function asReviewer<T>(opts: ReviewerOptions, fn: (svc: AlertService, reviewer: string) => Promise<T>): Promise<T> {
  const { openAlertService, reviewerTokens } = await import('../alert/alerting.js');
  const { Appender } = await import('../log/appender.js');
  const reviewer = reviewerTokens(opts.dir).verify(opts.token ?? process.env.ILOG_REVIEWER_TOKEN);
  if (!reviewer) throw new IlogError('UNAUTHORIZED', 'missing or unknown reviewer token: pass --token or set ILOG_REVIEWER_TOKEN (issue one with `ilog alerts token <reviewer>`)');
  const appender = await Appender.open(opts.dir);
  const svc = openAlertService(opts.dir, appender, appender.storage);
  try {
    return await fn(svc, reviewer);
  } finally {
    await svc.stop();
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

const withToken = (cmd: Command): Command => withCommonOptions(cmd).option('--token <token>', 'reviewer token (env ILOG_REVIEWER_TOKEN)');

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
        const list = await asReviewer(opts, async (svc, me) => (await svc.list(filter)).filter((a) => isEligible(svc.config, me, a)));
        printResult(opts.json, { alerts: list }, list.map(line).join('\n'));
      }),
    );

  withToken(alerts.command('ack <id>').description('acknowledge an alert (a log entry)'))
    .option('--note <text>')
    .action(
      action<ReviewerOptions & { note?: string }, [string]>(async (opts, id) => {
        const a = await asReviewer(opts, (svc, me) => svc.ack(parseCount(id), me, opts.note));
        printResult(opts.json, { alert: a }, `acknowledged: ${line(a)}`);
      }),
    );

  withToken(alerts.command('close <id>').description('close an alert (high severity needs two distinct reviewers)'))
    .option('--resolution <text>')
    .action(
      action<ReviewerOptions & { resolution?: string }, [string]>(async (opts, id) => {
        const a = await asReviewer(opts, (svc, me) => svc.close(parseCount(id), me, opts.resolution));
        printResult(opts.json, { alert: a }, a.state === 'closed' ? `closed: ${line(a)}` : `close recorded; ${a.closesNeeded - a.closes.length} more reviewer(s) must close it: ${line(a)}`);
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
        const s = await asReviewer(opts, (svc, me) => svc.suppress(match, parseDuration(opts.for), me, opts.reason));
        printResult(opts.json, { suppression: s }, `suppressed until ${s.until} (log entry ${s.index})`);
      }),
    );

  withCommonOptions(alerts.command('token <reviewer>').description("issue a reviewer's token (printed once) or revoke it"))
    .option('--revoke')
    .action(
      action<GlobalOptions & { revoke?: boolean }, [string]>(async (opts, reviewer) => {
        const { ALERT_FILES, reviewerTokens } = await import('../alert/alerting.js');
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

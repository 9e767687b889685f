// What `ilog demo` prints once everything runs: where each part listens, a psql
// command line that goes through the capture proxy as the sample person with a
// purpose, and the commands to look at, verify and poke the log.
import { relative } from 'node:path';

export interface DemoFacts {
  dir: string;
  origin: string;
  logUrl: string;
  proxy: { host: string; port: number };
  db: { host: string; port: number };
  person: string;
  password: string;
  purpose: string;
  created: boolean;
  alerting: boolean;
  reviewerToken?: string;
  /** The demo reviewer's key file (reviews are signed with it). */
  reviewerKey?: string;
}

/** The sample query the banner suggests (also what the demo test runs). */
export const SAMPLE_QUERY = 'SELECT full_name, city FROM patients WHERE id = 42;';

const shq = (s: string): string => (/^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** How to run this same CLI again from the current directory (dist build, tsx source, or an installed `ilog`). */
export function ilogCommand(argv1 = process.argv[1] ?? ''): string {
  if (/main\.ts$/.test(argv1)) return `node --import tsx ${shq(relative(process.cwd(), argv1))}`;
  if (/main\.js$/.test(argv1)) return `node ${shq(relative(process.cwd(), argv1))}`;
  return 'ilog';
}

export function connectionUrl(f: DemoFacts): string {
  return `postgres://${f.person}:${f.password}@${f.proxy.host}:${f.proxy.port}/postgres`;
}

export function psqlCommand(f: DemoFacts): string {
  return `PGOPTIONS='-c ilog.purpose=${f.purpose}' psql "${connectionUrl(f)}"`;
}

export function banner(f: DemoFacts): string {
  const ilog = ilogCommand();
  const d = `--dir ${shq(f.dir)}`;
  return [
    `ilog demo is running${f.created ? ' (first start: log, demo database and sample person created)' : ''}`,
    '',
    `  log service    ${f.logUrl}   origin ${f.origin}, data in ${f.dir}`,
    `  capture proxy  ${f.proxy.host}:${f.proxy.port}   → demo company database (PGlite) at ${f.db.host}:${f.db.port}`,
    `  person         ${f.person}, password ${f.password} (kept in ${f.dir}/demo-credentials.txt)`,
    f.alerting
      ? '  alerting       detector on; alerts for reviewers dana, erik, farah (privacy) and sam, tess (security) are printed here'
      : `  alerting       off (no ${f.dir}/alerts.json)`,
    '',
    `1. Connect through the proxy as ${f.person}, stating why (a purpose is required for data):`,
    `     ${psqlCommand(f)}`,
    '2. Run a query:',
    `     ${SAMPLE_QUERY}`,
    '3. See what was logged (in another terminal; add --follow to keep watching):',
    `     ${ilog} tail ${d} -n 6`,
    '4. Verify the whole log (signatures, Merkle tree, every entry):',
    `     ${ilog} verify ${d}`,
    '',
    'Try next:',
    `  - no purpose → refused with SQLSTATE IL001:  psql "${connectionUrl(f)}" -c 'SELECT count(*) FROM patients'`,
    `  - a vague purpose on a VIP patient → an alert to the privacy reviewers, printed here:`,
    `      /* purpose: curious */ SELECT * FROM patients WHERE id = 8;`,
    `  - lock ${f.person} from another terminal → her session ends at once (IL003):  ${ilog} lock ${f.person} ${d} --reason demo`,
    `      and lift it again:  ${ilog} unlock ${f.person} ${d}`,
    ...(f.reviewerKey ? [`  - review alerts as dana:  ILOG_REVIEWER_KEY=${f.reviewerKey} ${ilog} alerts list ${d}`] : []),
    `  - tables: patients, diagnoses, customers, orders, employees, salaries  (\\dt in psql needs no purpose)`,
    '',
    'Press Ctrl-C to stop.',
  ].join('\n');
}

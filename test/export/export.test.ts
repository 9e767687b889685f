// `ilog export` as shipped: OCSF output validated against the OCSF 1.2.0 class
// schemas (test/testdata/ocsf), CEF and jsonl shapes, each record's index and leaf
// hash; and the syslog forwarder (RFC 5424, octet counting) to a real TCP and TLS
// receiver, stopped with SIGTERM mid-stream and restarted: every record arrives
// exactly once, in order; killed with SIGKILL: nothing lost, order kept, repeats
// only of the batch in flight (a receiver dropping indexes it has gets each once).
// An export to a file with a cursor, killed with SIGKILL or SIGTERM mid-stream:
// the file holds every record exactly once, in order.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { jsonOf, REPO_ROOT, runCli } from '../helpers/cli.js';

const OCSF_DIR = join(REPO_ROOT, 'test', 'testdata', 'ocsf');
const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
const time = () => new Date().toISOString();

function ocsfValidator(): (event: Record<string, unknown>) => string[] {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv);
  for (const f of readdirSync(OCSF_DIR).filter((n) => n.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(join(OCSF_DIR, f), 'utf8')));
  const byClass: Record<number, string> = { 0: 'base_event', 6005: 'datastore_activity', 2004: 'detection_finding', 3001: 'account_change', 3002: 'authentication' };
  return (event) => {
    const name = byClass[event.class_uid as number];
    if (!name) return [`no schema for class_uid ${String(event.class_uid)}`];
    const validate = ajv.getSchema(`https://ilog.invalid/ocsf/1.2.0/${name}.schema.json`)!;
    return validate(event) ? [] : (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

const leafHex = (bytes: Buffer) => createHash('sha256').update(Buffer.concat([Buffer.from([0]), bytes])).digest('hex');

let dir: string;
let entryBytes: Buffer[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-export-'));
  // In process: on a loaded machine a CLI start (tsx) can take minutes.
  await initLog(dir, { origin: 'test.example/export' });
  const appender = await Appender.open(dir);
  const start = appender.storage.size();
  await appender.appendMany([
    { v: 1, kind: 'access', time: time(), source: 'pg-proxy', person: 'alice', session: 'ab12', role: 'postgres', database: 'clinic', client: { address: '127.0.0.1', application: 'psql' }, purpose: 'TICKET-1', action: 'select', relations: ['public.patients'], statement: { kind: 'SelectStmt', text: 'SELECT * FROM patients WHERE id = $1', sha256: 'a'.repeat(64), values: ['b'.repeat(64)] } },
    { v: 1, kind: 'access', time: time(), source: 'app:crm', person: 'bob', action: 'view', resource: { type: 'customer', ids: ['42'] } },
    { v: 1, kind: 'access', time: time(), source: 'pg-proxy', person: 'carol', action: 'delete', relations: ['hr.salaries'], database: 'hr' },
    { v: 1, kind: 'outcome', time: time(), access: start, session: 'ab12', status: 'ok', rows: 1, command: 'SELECT 1', durationMs: 1.5 },
    { v: 1, kind: 'alert.raised', time: time(), finding: 'watchlist:1', rule: 'watchlist', subject: 'alice', alsoConcerns: [], severity: 'high', score: 92, reasons: ['accessed a | watch-listed = record\nof a VIP'], entries: [start], group: 'privacy', route: 'rule', recipients: ['dana', 'erik'] },
    { v: 1, kind: 'alert.closed', time: time(), alert: start + 4, by: 'dana', resolution: 'ok' },
    { v: 1, kind: 'lock.set', time: time(), person: 'alice', reason: 'left' },
    { v: 1, kind: 'lock.lifted', time: time(), person: 'alice' },
    { v: 1, kind: 'bypass.detected', time: time(), reason: 'unowned-backend', server: 'db:5432', user: 'postgres', count: 1, log: { file: 'x.csv', offset: 0 } },
  ]);
  // Bulk for the syslog tests: 30,000 app accesses.
  for (let i = 0; i < 3; i++) await appender.appendMany(Array.from({ length: 10_000 }, (_, j) => ({ v: 1, kind: 'access', time: time(), source: 'app:bulk', person: `p${(i * 10_000 + j) % 97}`, action: 'view', resource: { type: 'record', ids: [String(i * 10_000 + j)] } })));
  await appender.checkpoint();
  entryBytes = appender.storage.readEntries(0, appender.storage.size()).map((b) => Buffer.from(b));
  await appender.close();
}, 400_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (dir) rmSync(`${dir}.admin.key`, { force: true });
});

describe('ilog export formats', () => {
  it('OCSF: every record validates against its class schema and names its index and leaf hash', async () => {
    const r = await runCli(['export', '--format', 'ocsf', '--from', '0'], { dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(events.length).toBe(entryBytes.length);
    const validate = ocsfValidator();
    const classes = new Map<string, number>();
    events.forEach((e, i) => {
      expect(validate(e), JSON.stringify(e)).toEqual([]);
      expect(e.metadata.sequence).toBe(i);
      expect(e.metadata.uid).toBe(leafHex(entryBytes[i]!));
      expect(e.unmapped.ilog.entry).toEqual(JSON.parse(entryBytes[i]!.toString('utf8')));
      expect(e.type_uid).toBe(e.class_uid * 100 + e.activity_id);
      const kind = e.unmapped.ilog.kind as string;
      classes.set(kind, e.class_uid);
    });
    expect(Object.fromEntries(classes)).toMatchObject({ genesis: 0, access: 6005, outcome: 0, 'alert.raised': 2004, 'alert.closed': 2004, 'lock.set': 3001, 'lock.lifted': 3001, 'bypass.detected': 2004 });
    const sel = events.find((e) => e.unmapped.ilog.entry.person === 'alice' && e.class_uid === 6005)!;
    expect(sel).toMatchObject({ activity_id: 4, actor: { user: { name: 'alice' } }, src_endpoint: { ip: '127.0.0.1' }, database: { name: 'clinic' }, table: { name: 'public.patients' }, query_info: { query_string: 'SELECT * FROM patients WHERE id = $1' } });
    // A broken event must fail: the validator is not a formality.
    expect(validate({ ...sel, activity_id: 42 }).length).toBeGreaterThan(0);
    expect(validate({ ...sel, src_endpoint: undefined }).length).toBeGreaterThan(0);
    expect(validate({ ...sel, colour: 'red' }).length).toBeGreaterThan(0);
  }, 180_000);

  it('CEF and jsonl carry index and leaf hash; CEF escapes its separators', async () => {
    const cef = await runCli(['export', '--format', 'cef', '--from', '0'], { dir, timeoutMs: 120_000 });
    expect(cef.code, cef.stderr).toBe(0);
    const lines = cef.stdout.split('\n').slice(0, 12);
    const alert = lines.find((l) => l.includes('|alert.raised|'))!;
    expect(alert).toMatch(/^CEF:0\|ilog\|ilog\|[^|]+\|alert\.raised\|alert watchlist: alice\|8\|/);
    const idx = entryBytes.findIndex((b) => b.toString('utf8').includes('"alert.raised"'));
    expect(alert).toContain(`cs1Label=logIndex cs1=${idx} cs2Label=leafHash cs2=${leafHex(entryBytes[idx]!)}`);
    // In the extension '=' and backslashes are escaped (the entry's JSON newline escape becomes a doubled backslash + n).
    expect(alert).toContain('a | watch-listed \\= record\\\\nof a VIP');
    expect(alert.split('\n')).toHaveLength(1);
    const jsonl = await runCli(['export', '--format', 'jsonl', '--from', '5'], { dir, timeoutMs: 120_000 });
    const first = JSON.parse(jsonl.stdout.split('\n')[0]!);
    expect(first).toMatchObject({ index: 5, leafHash: leafHex(entryBytes[5]!), origin: 'test.example/export' });
  }, 180_000);

  it('a cursor of another format is refused with a code', async () => {
    const cursor = join(dir, 'fmt.cursor');
    expect((await runCli(['export', '--format', 'jsonl', '--cursor', cursor, '--from', String(entryBytes.length - 2)], { dir })).code).toBe(0);
    const r = await runCli(['export', '--format', 'cef', '--cursor', cursor, '--json'], { dir });
    expect(r.code).toBe(1);
    expect(jsonOf(r).error.code).toBe('EXPORT_CURSOR_MISMATCH');
  }, 120_000);
});

/** A syslog receiver: octet-counted RFC 5424 frames, in arrival order across connections. */
class Receiver {
  readonly messages: string[] = [];
  server!: Server;
  port = 0;
  #sockets = new Set<Socket>();
  handle = (s: Socket): void => {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const lenText = buf.subarray(0, sp).toString('ascii');
        if (!/^[1-9][0-9]*$/.test(lenText)) throw new Error(`bad frame length ${JSON.stringify(lenText)}`);
        const len = Number(lenText);
        if (buf.length < sp + 1 + len) break;
        this.messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        buf = buf.subarray(sp + 1 + len);
      }
    });
  };
  async listen(server: Server): Promise<void> {
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.port = (server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
  indexes(): number[] {
    return this.messages.map((m) => {
      const x = /^<(\d{1,3})>1 \S+ \S+ ilog - \S+ \[ilog@32473 index="(\d+)" leafHash="([0-9a-f]{64})" origin="[^"]*"\] \uFEFF/.exec(m);
      if (!x) throw new Error(`not an RFC 5424 ilog message: ${m.slice(0, 200)}`);
      return Number(x[2]);
    });
  }
}

function startForwarder(args: string[]): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'export', ...args], { cwd: REPO_ROOT, env: { ...process.env, ILOG_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, exited: new Promise((r) => child.on('close', (code) => r(code))), stderr: () => stderr };
}

/**
 * Stops the export three times mid-stream with `signal` (once `progress()`, the share of the
 * stream delivered, reaches 20%, 50% and 80% and the run has delivered something), then lets a
 * last run finish; returns the stops.
 * After SIGTERM (a graceful stop: finish the batch, flush, cursor, exit 0) every run must exit 0.
 */
async function stopThreeTimes(args: string[], progress: () => number, signal: 'SIGTERM' | 'SIGKILL'): Promise<number> {
  let stops = 0;
  for (const at of [0.2, 0.5, 0.8]) {
    const f = startForwarder(args);
    // Stopped only once this run has delivered something: a run before it may have overshot `at`, and a
    // SIGTERM before the CLI set its handlers (while it still starts) kills instead of stopping it.
    const before = progress();
    for (let i = 0; i < 4800 && (progress() < at || progress() === before); i++) {
      if (f.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (f.child.exitCode === null) {
      f.child.kill(signal);
      stops++;
    }
    const code = await f.exited;
    if (signal === 'SIGTERM') expect(code, f.stderr()).toBe(0);
  }
  const last = startForwarder(args);
  expect(await last.exited, last.stderr()).toBe(0);
  expect(stops).toBeGreaterThanOrEqual(2); // it was really stopped mid-stream
  return stops;
}

/**
 * SIGTERM: every record arrives exactly once, in order. SIGKILL (docs/export.md): nothing lost,
 * order kept, each restart repeating less than one batch; so a receiver that drops any index at
 * or below the highest it stored gets every record exactly once, in order.
 */
async function syslogKillAndResume(receiver: Receiver, url: string, extra: string[], signal: 'SIGTERM' | 'SIGKILL', format: 'jsonl' | 'ocsf' | 'cef'): Promise<void> {
  const cursor = join(dir, `syslog-${url.slice(0, 3)}-${signal}.cursor`);
  const total = entryBytes.length;
  const stops = await stopThreeTimes(['--format', format, '--syslog', url, '--cursor', cursor, '--batch', '200', ...extra], () => receiver.messages.length / total, signal);
  await new Promise((r) => setTimeout(r, 200)); // the last bytes cross loopback
  const got = receiver.indexes();
  const all = Array.from({ length: total }, (_, i) => i);
  if (signal === 'SIGTERM') {
    expect(got.length).toBe(total);
    expect(got).toEqual(all);
  } else {
    let restarts = 0;
    let highest = -1;
    const deduped: number[] = [];
    for (let i = 0; i < got.length; i++) {
      if (got[i]! > highest) deduped.push((highest = got[i]!));
      if (i === 0 || got[i] === got[i - 1]! + 1) continue;
      // Each run sends in order from its cursor: a restart goes back, by less than one batch (200).
      restarts++;
      expect(got[i]).toBeLessThanOrEqual(got[i - 1]!);
      expect(got[i - 1]! - got[i]!).toBeLessThan(200);
    }
    expect(restarts).toBeLessThanOrEqual(stops);
    expect(deduped).toEqual(all);
  }
  // Each message's body is the record of that index in the format asked for.
  const m = receiver.messages[7]!;
  const body = m.slice(m.indexOf('\uFEFF') + 1);
  if (format === 'jsonl') expect(JSON.parse(body)).toMatchObject({ index: 7, leafHash: leafHex(entryBytes[7]!) });
  if (format === 'ocsf') expect(JSON.parse(body)).toMatchObject({ metadata: { sequence: 7, uid: leafHex(entryBytes[7]!) }, unmapped: { ilog: { entry: JSON.parse(entryBytes[7]!.toString('utf8')) } } });
  if (format === 'cef') expect(body).toContain(`cs1Label=logIndex cs1=7 cs2Label=leafHash cs2=${leafHex(entryBytes[7]!)}`);
}

describe('export to a file (--out) with a cursor', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`stopped with ${signal} three times mid-stream and restarted: the file holds every record exactly once, in order, byte for byte`, async () => {
      const whole = await runCli(['export', '--format', 'jsonl', '--from', '0'], { dir, timeoutMs: 600_000 });
      expect(whole.code, whole.stderr).toBe(0);
      expect(whole.stdout.split('\n')).toHaveLength(entryBytes.length + 1);
      const out = join(dir, `out-${signal}.jsonl`);
      const cursor = join(dir, `out-${signal}.cursor`);
      await stopThreeTimes(['--format', 'jsonl', '--out', out, '--cursor', cursor, '--batch', '200'], () => (existsSync(out) ? statSync(out).size / whole.stdout.length : 0), signal);
      const got = readFileSync(out, 'utf8');
      expect(got.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { index: number }).index)).toEqual(Array.from({ length: entryBytes.length }, (_, i) => i));
      expect(got === whole.stdout).toBe(true);
      // The cursor names the file and vouches for all of it.
      expect(JSON.parse(readFileSync(cursor, 'utf8'))).toMatchObject({ next: entryBytes.length, out, bytes: Buffer.byteLength(got) });
    }, 1_200_000);
  }
});

describe('syslog forwarder', () => {
  it.each([
    ['jsonl: stopped (SIGTERM) three times mid-stream and restarted, every record arrives exactly once, in order', 'SIGTERM', 'jsonl'],
    ['OCSF: killed (SIGKILL) three times mid-stream and restarted, nothing is lost and order is kept (repeats bounded by one batch)', 'SIGKILL', 'ocsf'],
  ] as const)('TCP, %s', async (_, signal, format) => {
    const receiver = new Receiver();
    await receiver.listen(createServer(receiver.handle));
    try {
      await syslogKillAndResume(receiver, `tcp://127.0.0.1:${receiver.port}`, [], signal, format);
    } finally {
      await receiver.close();
    }
  }, 1_200_000);

  it('TLS (RFC 5425), CEF: killed mid-stream and restarted, nothing is lost and order is kept (repeats bounded by one batch)', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'ilog-syslog-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    const receiver = new Receiver();
    await receiver.listen(createTlsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, receiver.handle));
    try {
      // Without the CA the forwarder refuses the receiver.
      const untrusted = startForwarder(['--format', 'jsonl', '--syslog', `tls://127.0.0.1:${receiver.port}`]);
      expect(await untrusted.exited).toBe(1);
      expect(untrusted.stderr()).toContain('SYSLOG_UNAVAILABLE');
      await syslogKillAndResume(receiver, `tls://127.0.0.1:${receiver.port}`, ['--ca', join(certDir, 'cert.pem')], 'SIGKILL', 'cef');
    } finally {
      await receiver.close();
      rmSync(certDir, { recursive: true, force: true });
    }
  }, 1_200_000);
});

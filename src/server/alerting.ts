// Alerting for one data directory, assembled for a server process: the routing
// config (`<dir>/alerts.json`), reviewer and application tokens
// (`reviewers.json`, `apps.json`), the AlertService with its escalation timer,
// and the detector pipeline. `register(app)` adds the HTTP routes
// (`POST /v1/access`, `/v1/alerts…`) to a Fastify server such as the log service's.
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStore } from '../capture/app/token-store.js';
import type { DetectorConfigInput } from '../detect/config.js';
import { Detector, type DetectorSnapshot } from '../detect/detector.js';
import type { Finding } from '../detect/finding.js';
import { appAccessRoutes } from '../http/app-access.js';
import { alertsRoutes } from '../http/alerts-routes.js';
import { IlogError } from '../ledger/errors.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { Channel } from '../alert/channels/index.js';
import '../alert/entries.js';
import { startPipeline, type FindingSource, type Pipeline } from '../alert/pipeline.js';
import type { Sleep } from '../alert/retry.js';
import { loadRoutingConfig } from '../alert/routing-config.js';
import { AlertService, type Sealing } from '../alert/service.js';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { loadHmacKey } from '../capture/pg/entries.js';
import { writeFileDurable } from '../storage/durable-file.js';
import { NO_REVIEWER_KEYS, type ReviewerKeys } from '../alert/review.js';
import { LOG_FILES, readLogConfig, readLogSigner, readLogVkey } from '../log/appender-files.js';
import { registerConsole } from '../http/console-routes.js';
/** The console's side index (a cache, rebuilt from the log when stale: docs/console.md). */
const CONSOLE_INDEX_FILE = 'console-index.db';
import type { PublishedTree } from '../http/log-published.js';
import { storageAlertLog, type EntryWriter } from '../alert/storage-log.js';
import type { AlertBookState } from '../alert/book.js';
import { verifierFromKey } from '../ledger/note.js';
import { loadSnapshot, SnapshotSchedule } from '../log/state-snapshot.js';
import type { PublisherStatus } from '../witness/publisher.js';

/** Findings below the alert budget kept for GET /v1/findings (the log and a replay hold them all). */
const MAX_FINDINGS = 10_000;

/** Snapshots of the alert book and the detector (log/state-snapshot.ts), `<dir>/snapshots/<name>.json`. */
export const SNAPSHOTS = Object.freeze({ book: 'alert-book', detector: 'detector' });

export const ALERT_FILES = Object.freeze({ routing: 'alerts.json', apps: 'apps.json', reviewers: 'reviewers.json', detector: 'detector.json', serverKey: 'alert-server.age' });

export const appTokens = (dir: string): TokenStore => new TokenStore(join(dir, ALERT_FILES.apps), 'ilog_app_');
export const reviewerTokens = (dir: string): TokenStore => new TokenStore(join(dir, ALERT_FILES.reviewers), 'ilog_rev_');

/**
 * A service over the data directory's log and routing config (also what the CLI
 * uses for one command). `keys` are the reviewers' keys the governance replay
 * knows (none: no review can be made or counted).
 */
export function openAlertService(
  dir: string,
  writer: EntryWriter,
  storage: LogStorage,
  o: { keys?: ReviewerKeys; clock?: () => number; sleep?: Sleep; channels?: Channel[]; snapshots?: SnapshotSchedule } = {},
): AlertService {
  const { keys, ...rest } = o;
  // The book from its signed snapshot when sound (else from entry 0): a start reads only the entries after it.
  const snap = loadSnapshot<AlertBookState>(dir, SNAPSHOTS.book, storage, verifierFromKey(readLogVkey(dir)));
  if (snap && 'refused' in snap) process.emitWarning(`ilog alerts: the alert book's snapshot was refused (${snap.refused}); reading the log from entry 0`);
  return new AlertService({
    log: storageAlertLog(writer, storage),
    config: loadRoutingConfig(join(dir, ALERT_FILES.routing)),
    origin: readLogConfig(dir).origin,
    keys: keys ?? NO_REVIEWER_KEYS,
    sealing: serverSealing(dir),
    ...(snap && 'state' in snap && snap.state.next === snap.size ? { restored: snap.state } : {}),
    ...rest,
  });
}

/** Snapshot schedules for the book and the detector, when this process can sign with the log key. */
function snapshotSchedules(dir: string, storage: LogStorage, everyMs: number): { book: SnapshotSchedule; detector: SnapshotSchedule } | undefined {
  let signer;
  try {
    signer = readLogSigner(dir);
  } catch {
    return undefined; // a process that cannot read the log key cannot seal a snapshot
  }
  const base = { dir, log: storage, verifier: verifierFromKey(readLogVkey(dir)), signer, everyMs };
  return { book: new SnapshotSchedule({ ...base, name: SNAPSHOTS.book }), detector: new SnapshotSchedule({ ...base, name: SNAPSHOTS.detector }) };
}

/** The detector from its signed snapshot when sound and made with this config, else a fresh one (replay from entry 0). */
function restoredDetector(dir: string, storage: LogStorage, config: DetectorConfigInput): { detector: Detector; from: number } {
  const snap = loadSnapshot<DetectorSnapshot>(dir, SNAPSHOTS.detector, storage, verifierFromKey(readLogVkey(dir)));
  if (snap && 'state' in snap && snap.state.next === snap.size) {
    try {
      return { detector: Detector.restore(snap.state, config), from: snap.size };
    } catch (e) {
      process.emitWarning(`ilog alerts: the detector's snapshot does not fit (${String(e)}); replaying the log from entry 0`);
    }
  } else if (snap) {
    process.emitWarning(`ilog alerts: the detector's snapshot was refused (${'refused' in snap ? snap.refused : 'its position is not its checkpoint'}); replaying the log from entry 0`);
  }
  return { detector: new Detector(config), from: 0 };
}

/**
 * The server's alert key `<dir>/alert-server.age` (an age identity, made on first
 * use, 0600) and the tag key `<dir>/hmac.key`, loaded once. The named trade-off
 * (docs/alert.md "Who can read what"): whoever can read the data directory can
 * open every alert body; log readers, mirrors and the subject cannot.
 */
export function serverSealing(dir: string): () => Promise<Sealing> {
  let loaded: Promise<Sealing> | undefined;
  return () =>
    (loaded ??= (async () => {
      const file = join(dir, ALERT_FILES.serverKey);
      if (!existsSync(file)) {
        try {
          writeFileDurable(file, (await generateX25519Identity()) + '\n', { mode: 0o600, exclusive: true });
        } catch (e) {
          if (!existsSync(file)) throw e; // another process made it first: use theirs
        }
      }
      const identity = readFileSync(file, 'utf8').trim();
      return { identity, recipient: await identityToRecipient(identity), tagKey: loadHmacKey(dir) };
    })());
}

export interface AlertingOptions {
  dir: string;
  /** The Appender (or anything that appends durably) and the storage it writes to. */
  writer: EntryWriter;
  storage: LogStorage;
  /** Defaults to a Detector configured by `<dir>/detector.json` (or its defaults). */
  detector?: FindingSource;
  clock?: () => number;
  sleep?: Sleep;
  channels?: Channel[];
  /** How often to look for alerts to escalate (ms, default 10,000). */
  tickMs?: number;
  /** Reviewers' registered keys (the server passes the governance view's). */
  keys?: ReviewerKeys;
  /** Snapshot the alert book and the detector at most this often (ms, default 60,000), at a signed checkpoint. */
  snapshotEveryMs?: number;
}

export interface Alerting {
  service: AlertService;
  pipeline: Pipeline;
  /**
   * Registers POST /v1/access, the /v1/alerts routes and the console (/ui) on `app`;
   * `published`: the tree the server publishes (witness-cosigned, docs/witness.md), which the
   * console's proofs and reports then use instead of the latest checkpoint in storage.
   */
  register(app: FastifyInstance, published?: PublishedTree, witnessStatus?: () => PublisherStatus): Promise<void>;
  stop(): Promise<void>;
}

export function startAlerting(o: AlertingOptions): Alerting {
  const schedules = snapshotSchedules(o.dir, o.storage, o.snapshotEveryMs ?? 60_000);
  const service = openAlertService(o.dir, o.writer, o.storage, {
    ...(o.keys ? { keys: o.keys } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.sleep ? { sleep: o.sleep } : {}),
    ...(o.channels ? { channels: o.channels } : {}),
    ...(schedules ? { snapshots: schedules.book } : {}),
  });
  const { detector, from } = o.detector ? { detector: o.detector, from: 0 } : restoredDetector(o.dir, o.storage, readDetectorConfig(o.dir));
  // The detector's state after exactly the entries [0, next), sealed at a signed checkpoint of that size.
  // Only while every finding produced so far was raised (Pipeline.settled): a snapshot past an unraised finding would lose it.
  const snapshotDetector = (next: number, now = false): void => {
    if (!schedules || !(detector instanceof Detector) || !pipeline.settled()) return;
    if (now) schedules.detector.now();
    if (schedules.detector.due(next) === next) schedules.detector.take(next, detector.snapshot());
  };
  service.start(o.tickMs);
  const findings: Finding[] = [];
  const writer = o.writer;
  const pipeline = startPipeline(o.storage, detector, service, {
    from,
    onPosition: (next) => snapshotDetector(next),
    ...(writer.awaitIntegrated ? { sign: (i: number) => writer.awaitIntegrated!(i) } : {}),
    onError: (e) => process.emitWarning(`ilog alerts: ${String(e)}`),
    onFinding: (f) => {
      findings.push(f);
      if (findings.length > MAX_FINDINGS) findings.splice(0, findings.length - MAX_FINDINGS);
    },
  });
  const detectorStatus = () => {
    const size = o.storage.size();
    const position = pipeline.position();
    const own = detector instanceof Detector ? detector.status() : undefined;
    const latest = own?.latestEntryTime;
    return { position, logSize: size, lagEntries: Math.max(0, size - position), lagSeconds: latest ? Math.max(0, ((o.clock ?? Date.now)() - Date.parse(latest)) / 1000) : null, ...own };
  };
  return {
    service,
    pipeline,
    async register(app, published, witnessStatus) {
      await app.register(appAccessRoutes, { writer: o.writer, tokens: appTokens(o.dir), ...(o.clock ? { clock: o.clock } : {}) });
      await app.register(alertsRoutes, { service, reviewerTokens: reviewerTokens(o.dir), detectorStatus, findings: () => findings });
      // The reviewers' web console at /ui (docs/console.md).
      const logVkey = readFileSync(join(o.dir, LOG_FILES.vkey), 'utf8').trim();
      const logSigner = readLogSigner(o.dir);
      await registerConsole(app, {
        service,
        keys: o.keys ?? NO_REVIEWER_KEYS,
        origin: readLogConfig(o.dir).origin,
        storage: o.storage,
        writer: o.writer,
        logVkey,
        hmacKey: loadHmacKey(o.dir),
        logSigner: { vkey: logVkey, name: logSigner.name, signer: logSigner },
        reviewerTokens: reviewerTokens(o.dir),
        detectorStatus,
        indexFile: join(o.dir, CONSOLE_INDEX_FILE),
        dir: o.dir,
        ...(published ? { published } : {}),
        ...(witnessStatus ? { witnessStatus } : {}),
      });
    },
    async stop() {
      await pipeline.stop();
      // Last snapshots, where the detector and the book stand at a signed checkpoint.
      try {
        snapshotDetector(pipeline.position(), true);
        schedules?.book.now();
        await service.refresh();
      } catch (e) {
        process.emitWarning(`ilog alerts: could not save a snapshot on stop: ${String(e)}`);
      }
      await service.stop();
    },
  };
}

function readDetectorConfig(dir: string): DetectorConfigInput {
  const file = join(dir, ALERT_FILES.detector);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DetectorConfigInput; // validated by the Detector
  } catch (e) {
    throw new IlogError('BAD_CONFIG', `${file} is not JSON: ${(e as Error).message}`, { file });
  }
}

// `ilog verify`: check a log end to end (src/log/verify.ts) from --dir (a data
// directory or a static tiles directory) or --url;
// optionally against a checkpoint saved earlier, and save the verified one.
// Implementation modules are imported inside the action: `--help` and usage
// errors then start fast.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, parseCount, readText, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';
import type { Progress } from './progress.js';

interface VerifyCliOptions extends GlobalOptions {
  url?: string;
  vkey?: string;
  checkpoint?: string;
  saveCheckpoint?: string;
  workers?: number;
  decode: boolean;
  policy?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('verify')
      .description('re-hash every entry, recompute every tile and root, check signatures, genesis and consistency')
      .option('--url <url>', 'verify a served log through its C2SP read API instead of --dir (a data directory or a tiles directory)')
      .option('--vkey <vkey>', "the log's verifier key, or a file holding it (default <dir>/log.vkey)")
      .option('--checkpoint <file>', 'a checkpoint saved earlier: the log must extend it')
      .option('--save-checkpoint <file>', 'after success, save the verified checkpoint here (for the next --checkpoint)')
      .option('--workers <n>', 'worker threads (default: 0 for small logs, else up to 2)', parseCount)
      .option('--no-decode', 'skip decoding entries against their schemas (hashes and tiles only)')
      // Witness area (docs/witness.md): the checkpoint must be cosigned per a tlog-policy.
      .option('--policy <file>', 'also require the checkpoint (served at --url, or <dir>/checkpoint.published) to meet this witness policy'),
  ).action(
    action<VerifyCliOptions, []>(async (opts) => {
      const vkey = opts.vkey === undefined ? undefined : opts.vkey.includes('+') ? opts.vkey : readText(opts.vkey, 'vkey');
      const witness = opts.policy === undefined ? undefined : await import('../witness/log-publishing.js');
      // With --policy on a directory, the log must also extend the checkpoint it published.
      const published = witness && !opts.url ? witness.readPublishedCheckpoint(opts.dir) : undefined;
      const saved = opts.checkpoint === undefined ? published : readText(opts.checkpoint, 'checkpoint');
      const { verifyLog } = await import('../log/verify.js');
      const { writeFileDurable } = await import('../storage/durable-file.js');
      const { progressBar } = await import('./progress.js');
      let bar: Progress | undefined;
      const started = performance.now();
      try {
        const report = await verifyLog({
          source: opts.url ? { kind: 'url', url: opts.url } : { kind: 'dir', dir: opts.dir },
          ...(vkey !== undefined ? { vkey } : {}),
          ...(saved !== undefined ? { savedCheckpoint: saved } : {}),
          ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
          decode: opts.decode,
          onProgress: (done, total) => (bar ??= progressBar('verify', total, opts.json)).update(done),
        });
        bar?.stop();
        // The stores kept beside a data directory (proxy.db, config.json, governance.json)
        // must agree with the policy the log replays to (STORE_DIVERGES).
        if (!opts.url && existsSync(join(opts.dir, 'log.db'))) (await import('../governance/store-check.js')).assertStoreMatchesPolicy(opts.dir);
        const witnessed = witness && opts.policy ? witness.verifyWithPolicyFile(opts.url ? report.checkpoint : published, opts.policy, vkey?.trim()) : undefined;
        if (opts.saveCheckpoint) writeFileDurable(opts.saveCheckpoint, report.checkpoint);
        const seconds = (performance.now() - started) / 1000;
        // Entries sequenced after the newest checkpoint are covered by no signature: say so.
        const unsigned = opts.url || !existsSync(join(opts.dir, 'log.db')) ? 0 : Math.max(0, (await (await import('./log-open.js')).withReadOnly(opts.dir, (s) => s.size())) - report.size);
        const human = [
          `ilog: OK ${report.origin}: ${report.size} entries, ${report.tiles} tiles, ${report.checkpoints} checkpoint(s) verified`,
          ...(unsigned > 0
            ? [`WARNING: ${unsigned} newer entr${unsigned === 1 ? 'y' : 'ies'} (from index ${report.size}) NOT verified: no signed checkpoint covers them yet; run \`ilog checkpoint --sign\` (or keep \`ilog serve\` running) and verify again`]
            : []),
          `root ${report.root}`,
          ...(report.consistency ? [`consistent with the saved checkpoint of size ${report.consistency.old}`] : []),
          ...(witnessed ? [`checkpoint of size ${witnessed.checkpoint.size} cosigned per the policy by ${witnessed.cosigners.join(', ')}`] : []),
        ].join('\n');
        printResult(opts.json, { ...report, unsigned, seconds, ...(witnessed ? { witnessed: { size: witnessed.checkpoint.size, cosigners: witnessed.cosigners } } : {}) }, human);
        if (opts.saveCheckpoint) note(opts.json, `ilog: saved the checkpoint to ${opts.saveCheckpoint}`);
        if (unsigned > 0 && opts.json) note(false, `ilog: WARNING: ${unsigned} entries past the newest checkpoint are not verified; run \`ilog checkpoint --sign\``);
      } finally {
        bar?.stop();
      }
    }),
  );
}

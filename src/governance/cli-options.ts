// Command-line options of the governance commands. Kept free of heavy imports:
// every `ilog` invocation loads this to build its command tree.
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import type { Target } from './target.js';

export interface TargetOptions {
  dir: string;
  json?: boolean;
  url?: string;
  token?: string;
  key?: string;
}

/** Adds --url and --token (and --key when `key` is true). */
export function withTarget(cmd: Command, key = true): Command {
  cmd.option('--url <url>', 'submit through a running log service (POST /add) instead of --dir').option('--token <token>', 'write token for --url (default $ILOG_TOKEN, else <dir>/token)');
  if (key) cmd.option('--key <file>', 'your private key file (from `ilog keygen`; default: <dir>.admin.key from `ilog init`); it never leaves this machine');
  return cmd;
}

export function targetOf(o: TargetOptions): Target {
  return { dir: o.dir, ...(o.url ? { url: o.url } : {}), ...(o.token ? { token: o.token } : {}) };
}

export function parseDuration(s: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s);
  if (!m) throw new IlogError('USAGE', `expected a duration like 90s, 15m, 2h or 7d, got "${s}"`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}


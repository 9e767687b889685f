// C2SP tlog-policy: the line-based trust policy file (`log`, `witness`, `group`,
// `quorum`) and the evaluation of its quorum over a set of witnesses that
// cosigned a checkpoint. Implemented as specified at C2SP/C2SP tlog-policy.md
// (2025): whitespace = ASCII space/tab, `#` comments, names are opaque byte
// strings, groups and the quorum may only name things defined on earlier lines,
// `none` is predefined (quorum only), `all`/`any`/k thresholds with 1 <= k <= n,
// each name at most once per group, no duplicate log or witness keys (compared
// by key material, not by vkey text), exactly one quorum line.
// Limits (the spec recommends supporting at least 32 of each): 256 logs,
// 256 witnesses, 256 groups.

import { IlogError } from '../ledger/errors.js';
import { toHex } from '../ledger/bytes.js';
import { parseVerifierKey, SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, type PublicKeyInfo } from '../ledger/keys.js';

export interface PolicyLog {
  vkey: string;
  /** The vkey's key name, which is the log's origin line. */
  origin: string;
  url?: string;
}

export interface PolicyWitness {
  name: string;
  vkey: string;
  url?: string;
}

export interface PolicyGroup {
  name: string;
  /** Members that must have witnessed (1..members.length). */
  threshold: number;
  members: string[];
}

export interface Policy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** A witness name, a group name or 'none'. */
  quorum: string;
}

const LIMIT = 256;
const NONE = 'none';

function bad(line: number, message: string): IlogError {
  return new IlogError('BAD_POLICY', `policy line ${line}: ${message}`, { line });
}

export function parsePolicy(text: string): Policy {
  // Only tab, newline and printable/high bytes are allowed (spec "Character set").
  const ctl = /[\x00-\x08\x0b-\x1f\x7f]/.exec(text);
  if (ctl) throw bad(text.slice(0, ctl.index).split('\n').length, 'control characters other than tab and newline are not allowed');
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const groups: PolicyGroup[] = [];
  const names = new Set<string>([NONE]);
  const keys = new Map<string, number>(); // key material (hex) -> line
  let quorum: string | undefined;

  const uniqueKey = (vkey: string, n: number, type: number, what: string): PublicKeyInfo => {
    let info: PublicKeyInfo;
    try {
      info = parseVerifierKey(vkey, [type]);
    } catch (err) {
      throw bad(n, `not a ${what} vkey (${(err as Error).message})`);
    }
    const material = toHex(info.publicKey);
    const prev = keys.get(material);
    if (prev !== undefined) throw bad(n, `duplicate key (same public key as line ${prev})`);
    keys.set(material, n);
    return info;
  };

  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const f = raw.split(/[ \t]+/).filter((x) => x !== '');
    if (f.length === 0 || (f[0] as string).startsWith('#')) return;
    const [kw, ...args] = f as [string, ...string[]];
    switch (kw) {
      case 'log': {
        if (args.length < 1 || args.length > 2) throw bad(n, 'expected "log <vkey> [<url>]"');
        const info = uniqueKey(args[0] as string, n, SIG_TYPE_ED25519, 'log (Ed25519, type 0x01)');
        if (logs.length === LIMIT) throw bad(n, `at most ${LIMIT} logs`);
        logs.push({ vkey: args[0] as string, origin: info.name, ...(args[1] ? { url: args[1] } : {}) });
        return;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) throw bad(n, 'expected "witness <name> <vkey> [<url>]"');
        const [name, vkey, url] = args as [string, string, string | undefined];
        if (names.has(name)) throw bad(n, `name "${name}" is already defined`);
        uniqueKey(vkey, n, SIG_TYPE_COSIGNATURE, 'witness (cosignature, type 0x04)');
        if (witnesses.length === LIMIT) throw bad(n, `at most ${LIMIT} witnesses`);
        names.add(name);
        witnesses.push({ name, vkey, ...(url ? { url } : {}) });
        return;
      }
      case 'group': {
        if (args.length < 3) throw bad(n, 'expected "group <name> all|any|<k> <member>..."');
        const [name, k, ...members] = args as [string, string, ...string[]];
        if (names.has(name)) throw bad(n, `name "${name}" is already defined`);
        const seen = new Set<string>();
        for (const m of members) {
          if (m === NONE || !names.has(m)) throw bad(n, `member "${m}" is not a witness or group defined on an earlier line`);
          if (seen.has(m)) throw bad(n, `member "${m}" is listed twice`);
          seen.add(m);
        }
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else if (/^[1-9][0-9]{0,3}$/.test(k) && Number(k) <= members.length) threshold = Number(k);
        else throw bad(n, `threshold must be all, any or a number in 1..${members.length}`);
        if (groups.length === LIMIT) throw bad(n, `at most ${LIMIT} groups`);
        names.add(name);
        groups.push({ name, threshold, members });
        return;
      }
      case 'quorum': {
        if (args.length !== 1) throw bad(n, 'expected "quorum <name>"');
        if (quorum !== undefined) throw bad(n, 'only one quorum line is allowed');
        if (!names.has(args[0] as string)) throw bad(n, `"${args[0]}" is not defined on an earlier line`);
        quorum = args[0] as string;
        return;
      }
      default:
        throw bad(n, `unknown keyword "${kw}" (expected log, witness, group or quorum)`);
    }
  });
  if (quorum === undefined) throw new IlogError('BAD_POLICY', 'the policy has no quorum line; add "quorum <name>" (or "quorum none")');
  return { logs, witnesses, groups, quorum };
}

/** Whether the witnesses named in `cosigned` satisfy the policy's quorum. */
export function quorumSatisfied(policy: Policy, cosigned: ReadonlySet<string>): boolean {
  if (policy.quorum === NONE) return true;
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const memo = new Map<string, boolean>();
  // Groups only reference earlier names, so this recursion is finite and acyclic.
  const witnessed = (name: string): boolean => {
    const cached = memo.get(name);
    if (cached !== undefined) return cached;
    const g = groups.get(name);
    const ok = g ? g.members.filter(witnessed).length >= g.threshold : cosigned.has(name);
    memo.set(name, ok);
    return ok;
  };
  return witnessed(policy.quorum);
}

/** Serialise a policy back to the file format (used by tests and `ilog witness init`). */
export function formatPolicy(p: Policy): string {
  const url = (u?: string): string => (u ? ` ${u}` : '');
  const lines = [
    ...p.logs.map((l) => `log ${l.vkey}${url(l.url)}`),
    ...p.witnesses.map((w) => `witness ${w.name} ${w.vkey}${url(w.url)}`),
    ...p.groups.map((g) => `group ${g.name} ${g.threshold === g.members.length ? 'all' : g.threshold} ${g.members.join(' ')}`),
    `quorum ${p.quorum}`,
  ];
  return lines.join('\n') + '\n';
}

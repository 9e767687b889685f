// A strict parser of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: no
// Prometheus parser is installed (prom-client only writes the format). It rejects
// what Prometheus would: malformed names, label syntax or values, samples of an
// undeclared or mistyped family, TYPE after samples, duplicate series, and
// histograms whose buckets are not cumulative or whose +Inf bucket differs from _count.

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: PromType;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(line: number, why: string): never {
  throw new Error(`prometheus text, line ${line}: ${why}`);
}

function parseValue(s: string, line: number): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) fail(line, `bad value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseLabels(s: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    while (s[i] === ' ') i++;
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf('=', i);
    if (eq < 0) fail(line, 'label without =');
    const name = s.slice(i, eq).trim();
    if (!LABEL.test(name)) fail(line, `bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(line, `label ${name} twice`);
    if (s[eq + 1] !== '"') fail(line, `label ${name}: value must be quoted`);
    let v = '';
    let j = eq + 2;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const n = s[++j];
        if (n === 'n') v += '\n';
        else if (n === '\\' || n === '"') v += n;
        else fail(line, `bad escape \\${n}`);
      } else v += s[j];
    }
    if (j >= s.length) fail(line, 'unterminated label value');
    labels[name] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') fail(line, 'expected , or } after a label');
  }
}

function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
    }
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('prometheus text must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  text.split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // other comments are allowed
      const [, what, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) fail(line, `bad metric name ${name}`);
      let f = families.get(name);
      if (what === 'TYPE') {
        if (!TYPES.has(rest)) fail(line, `unknown type ${rest}`);
        if (f?.samples.length) fail(line, `TYPE for ${name} after its samples`);
        if (f && f.type !== 'untyped') fail(line, `second TYPE for ${name}`);
        if (!f) families.set(name, (f = { name, type: rest as PromType, samples: [] }));
        else f.type = rest as PromType;
      } else {
        if (!f) families.set(name, (f = { name, type: 'untyped', samples: [] }));
        f.help = rest;
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) fail(line, 'sample without value');
    const name = raw.slice(0, nameEnd);
    if (!NAME.test(name)) fail(line, `bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let rest = raw.slice(nameEnd);
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') fail(line, 'expected a value and an optional timestamp');
    const value = parseValue(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail(line, 'bad timestamp');
    const f = familyOf(name, families);
    if (!f) fail(line, `sample ${name} of no declared family`);
    if (f.type === 'histogram' && name === f.name) fail(line, `histogram ${name} has only _bucket/_sum/_count samples`);
    if (name.endsWith('_bucket') && !('le' in labels)) fail(line, `${name} without le`);
    if (f.type === 'counter' && !(value >= 0)) fail(line, `counter ${name} is ${value}`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) fail(line, `duplicate series ${key}`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    series.set(k, [...(series.get(k) ?? []), s]);
  }
  for (const [k, ss] of series) {
    const buckets = ss.filter((s) => s.name === `${f.name}_bucket`).sort((a, b) => parseValue(a.labels.le!, 0) - parseValue(b.labels.le!, 0));
    const count = ss.find((s) => s.name === `${f.name}_count`);
    if (!count || !ss.some((s) => s.name === `${f.name}_sum`)) throw new Error(`histogram ${f.name}${k}: missing _sum or _count`);
    const inf = buckets[buckets.length - 1];
    if (!inf || inf.labels.le !== '+Inf') throw new Error(`histogram ${f.name}${k}: no +Inf bucket`);
    if (inf.value !== count.value) throw new Error(`histogram ${f.name}${k}: +Inf bucket ${inf.value} != _count ${count.value}`);
    for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`histogram ${f.name}${k}: buckets not cumulative`);
  }
}

/** Sum of a family's samples named `sample` (default: the family's own name) whose labels include `match`. */
export function sumOf(families: Map<string, Family>, family: string, match: Record<string, string> = {}, sample = family): number {
  const f = families.get(family);
  if (!f) throw new Error(`no metric family ${family}`);
  return f.samples.filter((s) => s.name === sample && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

// Prometheus metrics (text exposition format 0.0.4, rendered by prom-client).
// One Registry per process, never prom-client's global one, so that two
// components in one process (demo, tests) cannot collide or leak figures.
// Hot paths (the proxy, per statement) use HotCounter / HotHistogram: fixed
// Float64Array slots updated in place, no allocation per observation; prom-client
// reads them only when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What prom-client's Registry asks of a metric it did not build (its `get()` contract). */
interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class HotMetric {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  abstract values(): MetricValue[];
  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator });
  }
}

/**
 * A counter with one label whose values are found at run time (SQLSTATEs): each value
 * gets a slot the first time it is seen; after that, inc() is an array update.
 */
export class HotCounter extends HotMetric {
  readonly type = 'counter';
  readonly #label: string;
  readonly #slots = new Map<string, number>();
  #counts = new Float64Array(16);
  #keys: string[] = [];
  constructor(name: string, help: string, label: string, known: readonly string[] = []) {
    super(name, help);
    this.#label = label;
    for (const k of known) this.#slot(k);
  }
  inc(labelValue: string, by = 1): void {
    const s = this.#slots.get(labelValue) ?? this.#slot(labelValue);
    this.#counts[s]! += by;
  }
  #slot(k: string): number {
    const s = this.#keys.length;
    if (s === this.#counts.length) {
      const bigger = new Float64Array(s * 2);
      bigger.set(this.#counts);
      this.#counts = bigger;
    }
    this.#keys.push(k);
    this.#slots.set(k, s);
    return s;
  }
  values(): MetricValue[] {
    return this.#keys.map((k, i) => ({ labels: { [this.#label]: k }, value: this.#counts[i]! }));
  }
}

/** A histogram without labels: fixed upper bounds (seconds), counts per bucket, sum and count. */
export class HotHistogram extends HotMetric {
  readonly type = 'histogram';
  readonly #bounds: Float64Array;
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help);
    this.#bounds = Float64Array.from(bounds);
    this.#counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    if (i < b.length) this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
  }
  get count(): number {
    return this.#count;
  }
  values(): MetricValue[] {
    const out: MetricValue[] = [];
    let acc = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      acc += this.#counts[i]!;
      out.push({ labels: { le: this.#bounds[i]! }, value: acc, metricName: `${this.name}_bucket` });
    }
    out.push({ labels: { le: '+Inf' }, value: this.#count, metricName: `${this.name}_bucket` });
    out.push({ labels: {}, value: this.#sum, metricName: `${this.name}_sum` });
    out.push({ labels: {}, value: this.#count, metricName: `${this.name}_count` });
    return out;
  }
}

/** Latency buckets in seconds, 100 µs to 10 s. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The metrics of one process. Names start with `ilog_`; every metric has a help text. */
export class Metrics {
  readonly registry = new Registry();

  constructor(component: string) {
    this.registry.setDefaultLabels({ component });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge read when scraped (`read` returns one value, or one per label set). */
  gauge(name: string, help: string, read: () => number | undefined): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = read();
        if (v === undefined || !Number.isFinite(v)) this.reset();
        else this.set(v);
      },
    });
  }

  /** A counter whose total lives elsewhere (a component's own statistics), copied when scraped. */
  counterFrom(name: string, help: string, read: () => number): Counter {
    let last = 0;
    return new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = read();
        if (v > last) this.inc(v - last);
        last = Math.max(last, v);
      },
    });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets: readonly number[] = LATENCY_BUCKETS): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  hotCounter(name: string, help: string, label: string, known: readonly string[] = []): HotCounter {
    const c = new HotCounter(name, help, label, known);
    this.registry.registerMetric(c as never);
    return c;
  }

  hotHistogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): HotHistogram {
    const h = new HotHistogram(name, help, buckets);
    this.registry.registerMetric(h as never);
    return h;
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

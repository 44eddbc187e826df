import { Counter, Gauge, type Registry } from 'prom-client';

/** One value of a metric: its labels (if any) and its current value. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

type Read = () => number | readonly Sample[];

function samples(read: Read): readonly Sample[] {
  const value = read();
  return typeof value === 'number' ? [{ value }] : value;
}

/**
 * A counter whose value is read, at scrape time, from a count the service keeps anyway (its
 * stats): nothing is added to the hot path.
 */
export function countFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: Read,
): void {
  readAtScrape(registry, 'counter', { name, help, labelNames }, read);
}

/** A gauge read at scrape time; label sets not read this time disappear (no stale series). */
export function gaugeFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: Read,
): void {
  readAtScrape(registry, 'gauge', { name, help, labelNames }, read);
}

function readAtScrape(
  registry: Registry,
  kind: 'counter' | 'gauge',
  metric: { name: string; help: string; labelNames: readonly string[] },
  read: Read,
): void {
  const config = { ...metric, registers: [registry] };
  // Each scrape starts from nothing: label sets that are gone (an endpoint gone idle) disappear.
  const refill = (target: { reset(): void }, record: (labels: Record<string, string>, value: number) => void) => {
    target.reset();
    for (const { labels = {}, value } of samples(read)) record(labels, value);
  };
  if (kind === 'counter') {
    new Counter({
      ...config,
      collect() {
        refill(this, (labels, value) => this.inc(labels, value));
      },
    });
  } else {
    new Gauge({
      ...config,
      collect() {
        refill(this, (labels, value) => this.set(labels, value));
      },
    });
  }
}

/** A metric registered once per registry: a second client or server of the service shares it. */
export function registeredOnce<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Bounded label cardinality: the `limit` heaviest items keep their own label value, the rest are
 * to be summed under one (`other`), so a thousand endpoints cost a fixed number of series.
 */
export function heaviest<T>(items: readonly T[], limit: number, weight: (item: T) => number): { top: T[]; rest: T[] } {
  if (items.length <= limit) return { top: [...items], rest: [] };
  const sorted = [...items].sort((a, b) => weight(b) - weight(a));
  return { top: sorted.slice(0, limit), rest: sorted.slice(limit) };
}

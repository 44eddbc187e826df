/**
 * Reads one value out of a Prometheus text exposition: the sum of the samples of `name` whose
 * labels include `labels` (0 when there is none).
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) total += Number(match[3]);
  }
  return total;
}

/** Whether the exposition has a sample of `name` with these labels, whatever its value. */
export function hasSample(text: string, name: string, labels: Record<string, string> = {}): boolean {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .some(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every((label) => line.includes(label)),
    );
}

/** GETs a service's /metrics page. */
export async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics on port ${port}: ${response.status}`);
  return response.text();
}

/** Scrapes until `ready` holds for the page (the counters are read as they are at each scrape). */
export async function scrapeUntil(port: number, ready: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await scrape(port);
    if (ready(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`metrics on port ${port} not as expected after ${timeoutMs} ms:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { generateKeyPairSync, sign } from 'node:crypto';
import { Agent } from 'undici';

/**
 * Helpers for benchmark programs: limits measured in the same run, and an optional CPU profile.
 */

/** RSASSA-PKCS1-v1_5 / SHA-256 signatures per second with a fresh RSA-2048 key, on one core. */
export function rawSignRate(seconds = 2): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(300, 'x');
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sign('sha256', data, privateKey);
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

/** Plain undici POSTs per second to `url`, `concurrency` at a time (no signing, no queues). */
export async function rawPostRate(
  url: string,
  count: number,
  concurrency: number,
  body: Buffer = Buffer.alloc(500, 'x'),
): Promise<number> {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const { origin, pathname } = new URL(url);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) {
        const res = await agent.request({
          origin,
          path: pathname,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'idempotency-key': `raw-${next}` },
        });
        await res.body.dump();
      }
    }),
  );
  await agent.close();
  return count / ((performance.now() - started) / 1000);
}

/**
 * With BENCH_PROFILE=<file.cpuprofile>, starts a CPU profile of this process; the returned
 * function stops it and writes the file (open it in Chrome DevTools or speedscope).
 */
export async function startCpuProfile(log: (line: string) => void): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile written to ${file}`);
  };
}

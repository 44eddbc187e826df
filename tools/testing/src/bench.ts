import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

let collect: (() => void) | undefined;

/**
 * Collects all garbage now, so that the phase measured next is not billed for the last one's
 * (a major collection of a previous phase's jobs landing in the next phase moved its CPU per
 * delivery by a third). Exposes V8's `gc` to this process on first use.
 */
export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
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

/** CPU seconds (user + system) a process has used, from /proc; NaN where there is none (not Linux). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    return ((utime ?? Number.NaN) + (stime ?? Number.NaN)) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process in bytes, from /proc; NaN where there is none. */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

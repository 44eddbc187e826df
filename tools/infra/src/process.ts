import { type ChildProcess, spawn } from 'node:child_process';

// Child processes must not outlive the process that started them (a crashed or interrupted run).
// One registry for every package that starts children, so one signal handler kills them all.
const live = new Set<ChildProcess>();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
};
process.once('exit', killAll);
// An unhandled signal ends the process without 'exit' handlers: kill the children, then let the
// signal act. Where the program handles the signal itself, it exits its own way ('exit' above).
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    if (process.listenerCount(signal) > 0) return;
    killAll();
    process.kill(process.pid, signal);
  });
}

/** Kills `child` when this process exits or is ended by a signal it does not handle. */
export function bindToThisProcess(child: ChildProcess): void {
  live.add(child);
  const forget = () => live.delete(child);
  child.once('exit', forget);
  child.once('error', forget);
}

/**
 * A server process this package started. `stop()` and `start()` keep its port and data, so
 * tests can take a server away and bring it back (database outage, NATS restart).
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly label: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly ready: (signal: AbortSignal) => Promise<void>,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once it answers; rejects with its last output if it dies first. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child) return;
    this.output = [];
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 50) this.output.splice(0, this.output.length - 50);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    bindToThisProcess(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });

    const abort = new AbortController();
    const died = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.label} exited (${signal ?? `code ${code}`}) before it was ready:\n${this.tail()}`)),
      );
      child.once('error', (error) => {
        if (this.child === child) this.child = undefined;
        reject(new Error(`${this.label} could not start: ${error.message}`));
      });
    });
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      await Promise.race([
        this.ready(abort.signal).catch((error: unknown) => {
          throw abort.signal.aborted
            ? new Error(`${this.label} was not ready after ${timeoutMs} ms:\n${this.tail()}`)
            : error;
        }),
        died,
      ]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
      abort.abort();
      died.catch(() => undefined); // settled by the race above, or irrelevant once ready
    }
  }

  /** Graceful stop (SIGTERM, then SIGKILL after the grace period). */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Abrupt stop, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  tail(lines = 20): string {
    return this.output.slice(-lines).join('\n');
  }
}

/** Polls `probe` until it resolves true or the signal aborts. */
export async function waitUntil(probe: () => Promise<boolean>, signal: AbortSignal, intervalMs = 50): Promise<void> {
  while (!signal.aborted) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error('aborted');
}

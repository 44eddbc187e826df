import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindToThisProcess } from '@callbacks/infra';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The node flags a service's image runs its bundle with (the Dockerfile's ENTRYPOINT; a compose
 * test keeps the two the same). A young generation of 32 MiB rather than 16: each delivery makes
 * short-lived objects (job, request, headers, result), and with the default the dispatcher spent
 * about a tenth of its CPU collecting them (bench:e2e max phase, dispatcher 0.62 / 0.58 ms per
 * delivery against 0.70 / 0.66, alternating runs). A flag only one service needs is set by that
 * service at start-up, so that the image stays one for all: the matcher's heap growth (its main.ts).
 */
export const SERVICE_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=32'] as const;

/** Builds an app's bundle (dist/apps/<app>/main.mjs, what its image runs) for `bundle: true` below. */
export function buildBundle(app: string): void {
  execFileSync(process.execPath, [join(ROOT, 'tools/build/bundle.mjs'), app]);
}

/** One of the apps, running as its own process as in production. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly app: string,
    private readonly env: Record<string, string>,
    /** A log message that says the service is ready, e.g. `matcher consuming events`. */
    private readonly readyMessage: RegExp,
    /** Called with each line the service writes, as it comes (to show it, as the demo does). */
    private readonly onOutput?: (line: string) => void,
    /**
     * `bundle`: run the built bundle (dist/apps/<app>/main.mjs, `npm run build`) as the image does,
     * rather than the sources through tsx, whose compiling a start-up time would include.
     */
    private readonly options: { bundle?: boolean } = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Every log line so far (JSON lines from the service's logger). */
  get output(): readonly string[] {
    return this.lines;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const args = this.options.bundle
      ? [...SERVICE_NODE_FLAGS, join(ROOT, 'dist', 'apps', this.app, 'main.mjs')]
      : ['--import', 'tsx', join(ROOT, 'apps', this.app, 'src/main.ts')];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    bindToThisProcess(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        if (this.child === child) this.child = undefined;
        resolve(code);
      }),
    );
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) this.onLine(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    await Promise.race([
      // This run's ready line: after a restart, the last run's is still among the lines.
      this.waitFor(this.readyMessage, timeoutMs, { fromNow: true }),
      this.exited.then((code) => {
        throw new Error(`${this.app} exited with ${code} before it was ready:\n${this.lines.slice(-20).join('\n')}`);
      }),
    ]);
  }

  /** Resolves with the first log line matching `pattern`: already seen (unless `fromNow`), or to come. */
  waitFor(pattern: RegExp, timeoutMs = 60_000, options: { fromNow?: boolean } = {}): Promise<string> {
    const seen = options.fromNow ? undefined : this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.app}: no log line matching ${pattern} within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Graceful stop (SIGTERM); resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return this.exited;
  }

  /** A crash: SIGKILL, no chance to finish anything. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  private onLine(line: string): void {
    this.onOutput?.(line);
    this.lines.push(line);
    if (this.lines.length > 5_000) this.lines.splice(0, 1_000);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the service logs a message matching `pattern`. */
  ready(pattern: RegExp): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs one of the apps as its own process (as in production), prefixing its JSON log lines
 * with its name so the demo's output stays readable.
 */
export function runService(app: string, env: Record<string, string>, print: (line: string) => void): ServiceProcess {
  // `node --import tsx` rather than the tsx binary: one process, so signals reach the service.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps', app, 'src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      print(`[${app}] ${summarise(line)}`);
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(line)) w.resolve();
        else waiters.push(w);
      }
    }
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: app,
    child,
    ready: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A JSON log line as `level msg key=value ...`, other lines as they are. */
function summarise(line: string): string {
  try {
    const { level, msg, time: _time, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${String(level)} ${String(msg)}${extras ? ` ${extras}` : ''}`;
  } catch {
    return line;
  }
}

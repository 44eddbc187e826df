import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Commands some tests need that come from the operating system's packages (Debian names). */
export const OS_PACKAGES = {
  /** PHP's command line and built-in server: the receiver built like the original product's PHP library. */
  php: 'php-cli',
  /** The browser the console's tests drive (playwright-core downloads no browser of its own here). */
  chromium: 'chromium',
} as const;

export type OsCommand = keyof typeof OS_PACKAGES;

let installing: Promise<void> | undefined;

/**
 * Makes sure the commands are on the PATH: missing ones are installed with apt-get where this
 * process may (root on Debian or Ubuntu, as CI and the development machines are); elsewhere the
 * error names the package to install.
 */
export async function ensureOsCommands(
  commands: readonly OsCommand[],
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const missing = (
    await Promise.all(commands.map(async (command) => ((await onPath(command)) ? undefined : command)))
  ).filter((command): command is OsCommand => command !== undefined);
  if (missing.length === 0) return;
  const packages = missing.map((command) => OS_PACKAGES[command]);
  if (process.getuid?.() !== 0 || !(await onPath('apt-get'))) {
    throw new Error(
      `${missing.join(', ')} not found: install the operating system's package ${packages.join(' ')} (e.g. apt-get install ${packages.join(' ')})`,
    );
  }
  // One apt-get at a time in this process: concurrent callers wait for the same run.
  installing = (installing ?? Promise.resolve()).then(async () => {
    log(`installing ${packages.join(' ')} with apt-get...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: 16 << 20 });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      env,
      maxBuffer: 16 << 20,
    });
  });
  await installing;
  for (const command of missing) {
    if (!(await onPath(command)))
      throw new Error(`apt-get installed ${OS_PACKAGES[command]} but ${command} is still not on the PATH`);
  }
}

async function onPath(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

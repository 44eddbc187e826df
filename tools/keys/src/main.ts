import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { USAGE, UsageError, parseCommand } from './args';
import { generateSigningKey } from './generate';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Folder relative paths resolve against, and the default --out. */
  readonly cwd: string;
  readonly now: () => number;
}

/** Runs the key tool; returns the exit code (0 done, 1 failed, 2 bad command line). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let command;
  try {
    command = parseCommand(argv, { now: io.now(), cwd: io.cwd });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`keys: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  const { options } = command;
  const generated = await generateSigningKey(options);
  const outDir = resolve(io.cwd, options.outDir);
  const file = join(outDir, `${generated.keyId}.pem`);
  try {
    await mkdir(outDir, { recursive: true });
    // 'wx': never overwrite a key that may already be in use.
    await writeFile(file, generated.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.stderr(`keys: cannot write ${file}: ${code === 'EEXIST' ? 'the file exists (pick another selector)' : (code ?? String(error))}\n`);
    return 1;
  }

  io.stdout(
    [
      `Private key written to ${file} (mode 0600). Keep it secret and out of version control.`,
      '',
      `DNS TXT record to publish before ${options.validFrom.toISOString()} (and keep until the key's last requests are delivered):`,
      `  name:  ${generated.keyId}`,
      `  value: ${generated.txtRecord}`,
      '',
      'As a zone file line:',
      `  ${generated.zoneFileLine}`,
      '',
      'Key ring entry to add to SIGNING_KEY_RING (or the file SIGNING_KEY_RING_FILE names):',
      JSON.stringify(generated.ringEntry(file), null, 2),
      '',
    ].join('\n'),
  );
  return 0;
}

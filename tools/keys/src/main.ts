import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { unreadableByOriginalLibrary } from '@callbacks/signature';
import { parseCommand, USAGE, UsageError } from './args';
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
  const unreadable = unreadableByOriginalLibrary(generated.txtRecord);
  if (unreadable && !options.allowPaddedRecord) {
    io.stderr(
      `keys: refusing a ${options.bits}-bit key: ${unreadable}.\n` +
        'Use --bits 2048, or add --allow-padded-record if no receiver verifies with that library.\n',
    );
    return 2;
  }
  if (unreadable)
    io.stderr(
      `keys: WARNING: receivers built on the original product's PHP library cannot use this key: ${unreadable}.\n`,
    );
  const outDir = resolve(io.cwd, options.outDir);
  const file = join(outDir, `${generated.keyId}.pem`);
  try {
    await mkdir(outDir, { recursive: true });
    // 'wx': never overwrite a key that may already be in use.
    await writeFile(file, generated.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.stderr(
      `keys: cannot write ${file}: ${code === 'EEXIST' ? 'the file exists (pick another selector)' : (code ?? String(error))}\n`,
    );
    return 1;
  }

  const zoneFile = join(outDir, `${generated.keyId}.zone`);
  await writeFile(zoneFile, `${generated.zoneFileLine}\n`);
  let ringNote: string[] = [];
  if (options.ringFile) {
    const ringFile = resolve(io.cwd, options.ringFile);
    try {
      await addToRing(ringFile, generated.ringEntry(relative(dirname(ringFile), file)));
    } catch (error) {
      io.stderr(`keys: cannot update the key ring ${ringFile}: ${(error as Error).message}\n`);
      return 1;
    }
    ringNote = [`Added to the key ring ${ringFile} (SIGNING_KEY_RING_FILE=${ringFile}).`, ''];
  }

  io.stdout(
    [
      `Private key written to ${file} (mode 0600). Keep it secret and out of version control.`,
      `TXT record written to ${zoneFile}.`,
      ...ringNote,
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

/** Adds an entry to a key ring file (`{"keys": [...]}`), creating it when missing. */
async function addToRing(ringFile: string, entry: object): Promise<void> {
  let ring: { keys: object[] } = { keys: [] };
  try {
    ring = JSON.parse(await readFile(ringFile, 'utf8')) as { keys: object[] };
    if (!Array.isArray(ring.keys)) throw new Error('it is not a {"keys": [...]} key ring');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  ring.keys.push(entry);
  await mkdir(dirname(ringFile), { recursive: true });
  await writeFile(ringFile, `${JSON.stringify(ring, null, 2)}\n`);
}

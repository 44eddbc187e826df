import { parseArgs } from 'node:util';
import { keyIdFor, parseKeyId } from '@callbacks/signature';

export const USAGE = `Usage: npm run keys -- generate --selector <selector> --domain <domain> [options]

Generates an RSA key pair for request signatures, writes the private key as PEM (mode 0600) and
prints the DNS TXT record to publish and the key ring entry to add.

Options:
  --selector <s>      DKIM-style selector, e.g. cb-2025-07 (letters, digits, '-', '_')
  --domain <d>        domain the key is published under, e.g. callbacks.example.com
  --bits <n>          RSA modulus size: 2048 (default), 3072 or 4096; the TXT record of a 3072-
                      or 4096-bit key ends in base64 padding, which receivers built on the
                      original product's PHP library cannot read, so those sizes are refused
                      unless --allow-padded-record says that no receiver uses that library
  --allow-padded-record
                      generate a 3072- or 4096-bit key anyway (with a warning)
  --valid-from <iso>  first moment the key signs, ISO 8601 with zone (default: now)
  --valid-days <n>    days the key signs (default: 35, a month plus overlap for rotation)
  --out <dir>         folder for the private key file (default: the current folder)
  --ring <file>       also add the entry to this key ring JSON file (created if missing), with
                      the key file named relative to it; a <keyId>.zone file with the TXT
                      record is written next to the key either way
  --help              this text`;

/** A command line that cannot be run; the message says why, the usage says how. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface GenerateOptions {
  readonly selector: string;
  readonly domain: string;
  readonly bits: 2048 | 3072 | 4096;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly outDir: string;
  /** A key ring JSON file to add the entry to. */
  readonly ringFile?: string;
  /** Generate a key whose TXT record the original product's PHP library cannot read. */
  readonly allowPaddedRecord: boolean;
}

export type Command = { readonly kind: 'help' } | { readonly kind: 'generate'; readonly options: GenerateOptions };

const BITS = [2048, 3072, 4096] as const;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads the command line; `now` and `cwd` are the defaults for --valid-from and --out. */
export function parseCommand(argv: readonly string[], defaults: { now: number; cwd: string }): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        selector: { type: 'string' },
        domain: { type: 'string' },
        bits: { type: 'string' },
        'valid-from': { type: 'string' },
        'valid-days': { type: 'string' },
        out: { type: 'string' },
        ring: { type: 'string' },
        'allow-padded-record': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length !== 1 || positionals[0] !== 'generate') {
    throw new UsageError(
      positionals.length === 0 ? 'missing command: generate' : `unknown command: ${positionals.join(' ')}`,
    );
  }

  const selector = required(values.selector, '--selector').toLowerCase();
  const domain = required(values.domain, '--domain').toLowerCase().replace(/\.$/, '');
  const parts = parseKeyId(keyIdFor(selector, domain));
  if (!parts || parts.selector !== selector || parts.domain !== domain || !domain.includes('.')) {
    const pair = `--selector ${JSON.stringify(selector)} and --domain ${JSON.stringify(domain)}`;
    throw new UsageError(`${pair} do not form a DNS name <selector>._domainkey.<domain>`);
  }

  const bits = Number(values.bits ?? 2048);
  if (!BITS.includes(bits as (typeof BITS)[number])) throw new UsageError(`--bits must be one of ${BITS.join(', ')}`);

  const validFrom =
    values['valid-from'] === undefined
      ? new Date(Math.floor(defaults.now / 1000) * 1000)
      : readTime(values['valid-from']);
  const days = Number(values['valid-days'] ?? 35);
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw new UsageError('--valid-days must be a whole number from 1 to 366');
  const validUntil = new Date(validFrom.getTime() + days * 24 * 60 * 60 * 1000);

  return {
    kind: 'generate',
    options: {
      selector,
      domain,
      bits: bits as GenerateOptions['bits'],
      validFrom,
      validUntil,
      outDir: values.out ?? defaults.cwd,
      ...(values.ring ? { ringFile: values.ring } : {}),
      allowPaddedRecord: values['allow-padded-record'] === true,
    },
  };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value.trim();
}

function readTime(value: string): Date {
  if (!ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(
      `--valid-from must be an ISO 8601 time with a zone, like 2025-07-01T00:00:00Z (got ${JSON.stringify(value)})`,
    );
  }
  return new Date(value);
}

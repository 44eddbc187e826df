import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, UsageError } from '../errors';
import { EXIT } from '../exit-codes';

/**
 * Reads the JSON file a flag names (`-` is stdin). A file that cannot be read is a usage error
 * (exit 2); one that is not JSON, or not an object where one is expected, is invalid input (exit 4).
 */
export async function readJsonFile(
  io: { cwd: string; readStdin: () => Promise<string> },
  flag: string,
  path: string,
): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(
      `--${flag} ${path}: cannot read it (${(error as { code?: string }).code ?? (error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(EXIT.invalid, `--${flag} ${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** A JSON object (a proto3 JSON message), or exit 4 saying what was expected. */
export function jsonObject(value: unknown, flag: string, path: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(EXIT.invalid, `--${flag} ${path}: expected ${what} as a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * proto3 JSON writes a Duration as a string (`"10s"`); the generated `fromJSON` reads only
 * `{ "seconds": 10 }`. Accept both.
 */
export function durationJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(value.trim());
  if (!match) return value;
  return { seconds: Number(match[1]), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

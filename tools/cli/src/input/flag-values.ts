import { parseDuration } from '@callbacks/config';
import { UsageError } from '../errors';

/** A ts-proto enum object: names to numbers (and back), with UNSPECIFIED = 0 and UNRECOGNIZED = -1. */
type ProtoEnum = Record<string, string | number>;

/** The values a person may type for an enum: `update`, `disabled-failing` (no UNSPECIFIED). */
export function enumChoices(values: ProtoEnum): string[] {
  return Object.entries(values)
    .filter(([, value]) => typeof value === 'number' && value > 0)
    .map(([name]) => name.toLowerCase().replace(/_/g, '-'));
}

/**
 * Reads an enum flag: `update`, `UPDATE`, `disabled-failing` or the proto3 JSON name
 * (`ACTION_UPDATE`, with `prefix` `ACTION_`).
 */
export function enumFlag<E extends number>(flag: string, raw: string, values: ProtoEnum, prefix: string): E {
  let name = raw.trim().toUpperCase().replace(/-/g, '_');
  if (name.startsWith(prefix)) name = name.slice(prefix.length);
  const value = values[name];
  if (typeof value !== 'number' || value <= 0) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: expected one of ${enumChoices(values).join(', ')}`);
  }
  return value as E;
}

/** Enum flags that may be repeated or comma-separated (`--action create,update --action delete`). */
export function enumList<E extends number>(
  flag: string,
  raw: readonly string[],
  values: ProtoEnum,
  prefix: string,
): E[] {
  return splitList(raw).map((item) => enumFlag<E>(flag, item, values, prefix));
}

/** Repeated and comma-separated values, flattened: `['a,b', 'c']` → `['a', 'b', 'c']`. */
export function splitList(raw: readonly string[]): string[] {
  return raw
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `--label team=crm --label tier=gold` → `{ team: 'crm', tier: 'gold' }`. */
export function keyValues(flag: string, raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of raw) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} ${JSON.stringify(item)}: expected key=value`);
    out[item.slice(0, at).trim()] = item.slice(at + 1);
  }
  return out;
}

export function integerFlag(flag: string, raw: string, range: { min: number; max?: number }): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < range.min || value > max) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(raw)}: expected a whole number from ${range.min}${range.max === undefined ? '' : ` to ${max}`}`,
    );
  }
  return value;
}

export function numberFlag(flag: string, raw: string, range: { min: number }): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < range.min) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: expected a number of at least ${range.min}`);
  }
  return value;
}

/** `10s`, `1500ms`, `2m` → milliseconds. */
export function durationFlag(flag: string, raw: string): number {
  try {
    return parseDuration(raw.trim());
  } catch (error) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: ${(error as Error).message}`);
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A moment: an ISO 8601 date (`2025-06-01`, midnight UTC) or time with a zone, or a duration
 * meaning that long before `now` (`24h`, `7d`).
 */
export function timeFlag(flag: string, raw: string, now: number): Date {
  const value = raw.trim();
  if (ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  try {
    return new Date(now - parseDuration(value));
  } catch {
    throw new UsageError(
      `--${flag} ${JSON.stringify(raw)}: expected a time like 2025-06-01T00:00:00Z or 2025-06-01, or how long ago, like 24h or 7d`,
    );
  }
}

/** `--expected-revision <n>` of update and delete; 0 (the API's "no check") when not given. */
export const REVISION_OPTIONS = { 'expected-revision': { type: 'string' } } as const;

export const REVISION_HELP =
  '  --expected-revision <n>     fail with exit 5 if the callback is no longer at this revision';

export function expectedRevision(values: { 'expected-revision'?: string | undefined }): number {
  const raw = values['expected-revision'];
  return raw === undefined ? 0 : integerFlag('expected-revision', raw, { min: 1 });
}

import { createHash } from 'node:crypto';
import { InvalidArgumentError, type Violations } from '@callbacks/domain';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A request's `page_size`: 1 to MAX_PAGE_SIZE, 0 meaning DEFAULT_PAGE_SIZE; a violation otherwise. */
export function pageSizeOf(pageSize: number, v: Violations): number {
  if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    v.add('OUT_OF_RANGE', `must be from 1 to ${MAX_PAGE_SIZE} (0 means ${DEFAULT_PAGE_SIZE})`, 'page_size');
  }
  return pageSize || DEFAULT_PAGE_SIZE;
}

/**
 * Opaque page tokens: the last id of the previous page plus a fingerprint of the filters, so a
 * token reused with other filters is refused instead of silently skipping or repeating items.
 */
export function encodePageToken(afterId: string, filters: unknown): string {
  return Buffer.from(JSON.stringify({ a: afterId, f: fingerprint(filters) })).toString('base64url');
}

export function decodePageToken(token: string, filters: unknown): string | undefined {
  if (token === '') return undefined;
  let parsed: { a?: unknown; f?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown; f?: unknown };
  } catch {
    throw invalidPageToken('is not a page token from this API');
  }
  if (typeof parsed.a !== 'string' || typeof parsed.f !== 'string')
    throw invalidPageToken('is not a page token from this API');
  if (parsed.f !== fingerprint(filters))
    throw invalidPageToken('belongs to a list with other filters; start again without it');
  return parsed.a;
}

function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

export function invalidPageToken(description: string): InvalidArgumentError {
  return new InvalidArgumentError([{ field: 'page_token', reason: 'INVALID_PAGE_TOKEN', description }]);
}

import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@callbacks/domain';

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
    throw invalid('is not a page token from this API');
  }
  if (typeof parsed.a !== 'string' || typeof parsed.f !== 'string') throw invalid('is not a page token from this API');
  if (parsed.f !== fingerprint(filters)) throw invalid('belongs to a list with other filters; start again without it');
  return parsed.a;
}

function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

function invalid(description: string): InvalidArgumentError {
  return new InvalidArgumentError([{ field: 'page_token', reason: 'INVALID_PAGE_TOKEN', description }]);
}

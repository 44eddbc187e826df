import { hash } from 'node:crypto';

/**
 * The `Digest` header (RFC 3230): `sha-256=<base64 of the SHA-256 of the raw body>`. The algorithm
 * name is written in lower case, as the original product sends it: its PHP verification library
 * looks the name up case-sensitively among IANA's lower-case names.
 */

export function digestHeaderValue(body: Uint8Array): string {
  return `sha-256=${sha256Base64(body)}`;
}

export function sha256Base64(body: Uint8Array): string {
  return hash('sha256', body, 'base64');
}

/**
 * The base64 SHA-256 value of a `Digest` header, or `undefined` when it carries none or carries it
 * twice. RFC 3230 allows a comma-separated list of `algorithm=value` with case-insensitive
 * algorithm names, so `sha-256=…, MD5=…` is accepted.
 */
export function sha256FromDigestHeader(value: string): string | undefined {
  // The form the signer writes, checked first because every request carries it.
  if (value.startsWith('sha-256=') && !value.includes(',')) return value.slice(8).trim();
  let found: string | undefined;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() !== 'sha-256') continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The signature scheme of SPEC §7.2: draft-cavage-http-signatures with rsa-sha256, keys in DNS.
 * Signer and verifier share these names so they cannot drift apart.
 */

export const ALGORITHM = 'rsa-sha256';

/** The pseudo-header draft-cavage defines for `<lowercase method> <path and query>`. */
export const REQUEST_TARGET = '(request-target)';

/** Exactly the header list the signer signs, in this order (SPEC §7.2). */
export const SIGNED_HEADERS = [
  REQUEST_TARGET,
  'host',
  'date',
  'content-length',
  'content-type',
  'x-copernica-id',
  'digest',
  'x-nonce',
] as const;

/** What a receiver insists on finding in the signed list (SPEC §7.3); anything more is welcome. */
export const REQUIRED_SIGNED_HEADERS = [REQUEST_TARGET, 'host', 'date', 'x-copernica-id', 'digest'] as const;

/** `X-Copernica-ID` carries the account as `account_<id>`. */
export function accountHeaderValue(accountId: string): string {
  return `account_${accountId}`;
}

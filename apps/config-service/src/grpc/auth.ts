import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '@callbacks/domain';
import type { Principal, TokenAuthenticator } from '../auth/tokens';

/** Reads `authorization: Bearer <token>` from the call's metadata. */
export function authenticate(authenticator: TokenAuthenticator, metadata: Metadata): Principal {
  const values = metadata.get('authorization');
  if (values.length === 0) throw new UnauthenticatedError('missing "authorization: Bearer <token>" metadata');
  if (values.length > 1) throw new UnauthenticatedError('more than one "authorization" metadata entry');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(values[0]));
  if (!match?.[1]) throw new UnauthenticatedError('"authorization" metadata must be "Bearer <token>"');
  const principal = authenticator.authenticate(match[1]);
  if (!principal) throw new UnauthenticatedError('unknown or revoked token');
  return principal;
}

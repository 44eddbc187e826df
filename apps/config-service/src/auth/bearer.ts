import { UnauthenticatedError } from '@callbacks/domain';
import type { Principal, TokenAuthenticator } from './tokens';

/**
 * The caller of an `authorization: Bearer <token>` header (gRPC metadata or HTTP), given every
 * value the request carried; `where` names the carrier in errors ("metadata", "header").
 */
export function authenticateBearer(
  authenticator: TokenAuthenticator,
  values: readonly string[],
  where: string,
): Principal {
  if (values.length === 0) throw new UnauthenticatedError(`missing "authorization: Bearer <token>" ${where}`);
  if (values.length > 1) throw new UnauthenticatedError(`more than one "authorization" ${where} entry`);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(values[0] ?? '');
  if (!match?.[1]) throw new UnauthenticatedError(`"authorization" ${where} must be "Bearer <token>"`);
  const principal = authenticator.authenticate(match[1]);
  if (!principal) throw new UnauthenticatedError('unknown or revoked token');
  return principal;
}

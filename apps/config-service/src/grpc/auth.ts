import type { Metadata } from '@grpc/grpc-js';
import { authenticateBearer } from '../auth/bearer';
import type { Principal, TokenAuthenticator } from '../auth/tokens';

/** Reads `authorization: Bearer <token>` from the call's metadata. */
export function authenticate(authenticator: TokenAuthenticator, metadata: Metadata): Principal {
  return authenticateBearer(authenticator, metadata.get('authorization').map(String), 'metadata');
}

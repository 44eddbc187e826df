import { InvalidArgumentError, isId, NotFoundError, PermissionDeniedError } from '@callbacks/domain';
import { mayAccess, type Principal } from '../auth/tokens';
import type { AccountScope } from './ports';

export function scopeOf(principal: Principal): AccountScope {
  return principal.accounts === '*' ? '*' : [...principal.accounts];
}

/** An account named explicitly in a request must be one the caller may touch. */
export function assertMayAccess(principal: Principal, accountId: string): void {
  if (!mayAccess(principal, accountId)) {
    throw new PermissionDeniedError(
      `the token "${principal.name}" may not manage account ${JSON.stringify(accountId)}`,
    );
  }
}

/** An id from a request (`kind`: callback, delivery): well-formed, or INVALID_ARGUMENT naming the field. */
export function requireId(id: string, field: string, kind: string): string {
  if (id === '') throw new InvalidArgumentError([{ field, reason: 'REQUIRED', description: 'is required' }]);
  if (!isId(id)) throw new InvalidArgumentError([{ field, reason: 'INVALID_ID', description: `is not a ${kind} id` }]);
  return id;
}

export function requireCallbackId(id: string, field = 'id'): string {
  return requireId(id, field, 'callback');
}

export function callbackNotFound(id: string): NotFoundError {
  return new NotFoundError('callback', id);
}

import type { Violation } from './violations';

/**
 * Errors the domain raises. Transports map them to their own codes once, at the edge
 * (gRPC status codes in the config service); domain code never throws transport errors.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
}

/** Fields an InvalidArgumentError's message names; the violations themselves are all kept. */
const NAMED_IN_MESSAGE = 10;

export class InvalidArgumentError extends DomainError {
  override readonly name = 'InvalidArgumentError';
  constructor(readonly violations: readonly Violation[]) {
    const [first] = violations;
    const named = violations.slice(0, NAMED_IN_MESSAGE).map((v) => v.field || 'request');
    const more = violations.length - named.length;
    super(
      violations.length === 1 && first
        ? `invalid ${first.field || 'request'}: ${first.description}`
        : `${violations.length} invalid fields: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
    );
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${JSON.stringify(id)} not found`);
  }
}

/** Optimistic concurrency: the caller's revision is not the stored one. */
export class RevisionConflictError extends DomainError {
  override readonly name = 'RevisionConflictError';
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${kind} ${JSON.stringify(id)} is at revision ${actual}, not ${expected}: read it again and retry`);
  }
}

export class UnauthenticatedError extends DomainError {
  override readonly name = 'UnauthenticatedError';
}

export class PermissionDeniedError extends DomainError {
  override readonly name = 'PermissionDeniedError';
}

/** A dependency (database, message broker) cannot be reached; the caller may retry. */
export class UnavailableError extends DomainError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  RevisionConflictError,
  UnauthenticatedError,
  UnavailableError,
} from '@callbacks/domain';
import { FailedPreconditionError, RequestRateExceededError } from '../errors';
import { toHttpError } from './errors';

describe('toHttpError', () => {
  it.each([
    [
      new InvalidArgumentError([{ field: 'callback.url', reason: 'INVALID_URL', description: 'must use https://' }]),
      400,
      3,
    ],
    [new UnauthenticatedError('unknown or revoked token'), 401, 16],
    [new PermissionDeniedError('not your account'), 403, 7],
    [new NotFoundError('callback', 'cb_1'), 404, 5],
    [new RevisionConflictError('callback', 'cb_1', 2, 3), 409, 10],
    [new FailedPreconditionError('the callback is not ACTIVE'), 400, 9],
    [new RequestRateExceededError('crm', 1_500), 429, 8],
    [new UnavailableError('the database does not answer'), 503, 14],
  ])('answers %s with HTTP %i and the gRPC code %i', (error, httpStatus, code) => {
    const answer = toHttpError(error, false);
    expect(answer).toMatchObject({ httpStatus, expected: true, body: { code, message: error.message } });
  });

  it('puts every field violation in a google.rpc.BadRequest, as gRPC does', () => {
    const error = new InvalidArgumentError([
      { field: 'callback.url', reason: 'INVALID_URL', description: 'must use https://' },
      { field: 'callback.labels', reason: 'TOO_MANY', description: 'at most 64 labels' },
    ]);
    expect(toHttpError(error, false).body).toEqual({
      code: 3,
      message: error.message,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            { field: 'callback.url', reason: 'INVALID_URL', description: 'must use https://' },
            { field: 'callback.labels', reason: 'TOO_MANY', description: 'at most 64 labels' },
          ],
        },
      ],
    });
  });

  it('is 412 for a revision conflict of a request that came with If-Match, with the current revision', () => {
    const answer = toHttpError(new RevisionConflictError('callback', 'cb_1', 2, 3), true);
    expect(answer.httpStatus).toBe(412);
    expect(answer.body).toMatchObject({
      code: 10,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'REVISION_CONFLICT',
          metadata: { expected_revision: '2', current_revision: '3' },
        },
      ],
    });
  });

  it('is 429 with Retry-After in whole seconds and the google.rpc.RetryInfo gRPC sends', () => {
    const answer = toHttpError(new RequestRateExceededError('crm', 1_500), false);
    expect(answer).toMatchObject({ httpStatus: 429, code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 2 });
    expect(answer.body).toMatchObject({
      code: 8,
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
    });
    expect(toHttpError(new RequestRateExceededError('crm', 3), false).retryAfterSeconds).toBe(1);
    expect(toHttpError(new NotFoundError('callback', 'cb_1'), false).retryAfterSeconds).toBeUndefined();
  });

  it('tells nothing of an unexpected error', () => {
    const answer = toHttpError(new TypeError('cannot read properties of undefined (reading "secret")'), false);
    expect(answer).toEqual({
      httpStatus: 500,
      code: 'INTERNAL',
      expected: false,
      body: { code: 13, message: 'internal error; it has been logged', details: [] },
    });
  });
});

import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '@callbacks/proto/openapi';

export type Schemas = components['schemas'];
export type Callback = Schemas['Callback'];
export type Condition = Schemas['Condition'];
export type Rule = Schemas['Rule'];
export type RuleCondition = Schemas['RuleCondition'];
export type Delivery = Schemas['Delivery'];
export type Attempt = Schemas['Attempt'];
export type ProfileEvent = Schemas['ProfileEvent'];
export type TestResult = Schemas['TestCallbackResponse'];
export type Stats = Schemas['GetDeliveryStatsResponse'];
export type RevealedSecret = Schemas['RevealedSecret'];
export type CallbackState = NonNullable<Callback['state']>;
export type DeliveryState = NonNullable<Delivery['state']>;

const TOKEN_KEY = 'callbacks.token';

/** The token lives in this tab only (sessionStorage): never in a URL, a cookie or a log. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A field the server found wrong, by its path in the request (`callback.url`). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** An error the API answered (a google.rpc.Status), in words. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly violations: FieldViolation[],
    /** For a stale revision (409/412): the revision now. */
    readonly currentRevision: string | undefined,
  ) {
    super(message);
  }

  get unauthenticated(): boolean {
    return this.httpStatus === 401;
  }

  get conflict(): boolean {
    return this.httpStatus === 409 || this.httpStatus === 412;
  }
}

interface StatusDetail {
  '@type'?: string;
  fieldViolations?: { field?: string; description?: string }[];
  metadata?: Record<string, string>;
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: window.location.origin });
client.use(bearer);

/** Explains an answer that is not 2xx; what a person reads, never the raw JSON. */
export function toApiError(response: Response, body: unknown): ApiError {
  const status = (typeof body === 'object' && body !== null ? body : {}) as {
    message?: string;
    details?: StatusDetail[];
  };
  const details = status.details ?? [];
  const violations = details
    .flatMap((d) => d.fieldViolations ?? [])
    .map((v) => ({ field: v.field ?? '', description: v.description ?? '' }));
  const currentRevision = details.find((d) => d.metadata?.current_revision !== undefined)?.metadata?.current_revision;
  const message = humanMessage(response.status, status.message);
  return new ApiError(response.status, message, violations, currentRevision);
}

function humanMessage(httpStatus: number, message: string | undefined): string {
  switch (httpStatus) {
    case 401:
      return 'Your token was not accepted. Sign in again.';
    case 403:
      return `Your token may not do this${message ? `: ${message}` : '.'}`;
    case 404:
      return 'Not found: it does not exist, or it belongs to an account your token cannot see.';
    case 409:
    case 412:
      return 'Someone changed this callback after you opened it. Reload to see the current version, then make your change again.';
    case 429:
      return 'Too many requests right now. Wait a moment and try again.';
    case 503:
      return 'The service is unavailable right now (its database may be unreachable). Try again in a moment.';
    default:
      return message ? sentence(message) : `The request failed (HTTP ${httpStatus}).`;
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}

/** The data of an openapi-fetch answer, or its error as an ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'The service could not be reached. Check your connection and try again.', [], undefined);
  }
  if (!result.response.ok || result.data === undefined) {
    const error = toApiError(result.response, result.error);
    if (error.unauthenticated) window.dispatchEvent(new Event('callbacks:signed-out'));
    throw error;
  }
  return result.data;
}

import { DELIVERY_BOUNDS, ID_PATTERN, isId, Violations } from '@callbacks/domain';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  CallbackState,
  type DeliveryPolicy,
  Format,
  Ordering,
  SignatureScheme,
} from '@callbacks/proto/callbacks/v1/callback';
import { validateCondition } from './validate-condition';

/** Server-side bounds a callback must stay within (from the service's settings). */
export interface CallbackLimits {
  allowHttpUrls: boolean;
  maxConcurrency: number;
  maxRequestsPerSecond: number;
  maxTimeoutMs: number;
}

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 1024;
export const MAX_LABELS = 32;
export const LABEL_KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,62}$/;
export const MAX_LABEL_VALUE_LENGTH = 256;

const SCHEMES = [
  SignatureScheme.COPERNICA,
  SignatureScheme.STANDARD_WEBHOOKS_V1,
  SignatureScheme.STANDARD_WEBHOOKS_V1A,
  SignatureScheme.RFC9421,
];
const ACTIONS = [Action.CREATE, Action.UPDATE, Action.DELETE];
const ORIGINS = Object.values(Origin).filter(
  (o): o is Origin => typeof o === 'number' && o !== Origin.UNSPECIFIED && o !== Origin.UNRECOGNIZED,
);
export const API_ORIGINS: readonly Origin[] = [Origin.REST, Origin.SOAP];
const FORMATS = [Format.JSON, Format.XML, Format.FORM];
const ORDERINGS = [Ordering.NONE, Ordering.PER_PROFILE];
const STATES = [
  CallbackState.ACTIVE,
  CallbackState.DISABLED,
  CallbackState.DISABLED_GONE,
  CallbackState.DISABLED_FAILING,
];

/**
 * Checks a callback against SPEC §3 and returns it normalised (defaults filled in, sets
 * de-duplicated and sorted, "disable on API calls" applied), adding one violation per problem
 * under `v` (e.g. `callback.url`). The caller decides what to do with the violations.
 */
export function validateCallback(input: Callback, limits: CallbackLimits, v: Violations): Callback {
  checkId(input.accountId, v, 'account_id', true);
  checkId(input.databaseId, v, 'database_id', true);
  checkId(input.collectionId, v, 'collection_id', false);

  checkUrl(input.url, limits.allowHttpUrls, v.at('url'));

  let format = input.format;
  if (format === Format.UNSPECIFIED) format = Format.JSON;
  else if (!FORMATS.includes(format)) v.add('UNKNOWN_ENUM', 'must be FORMAT_JSON, FORMAT_XML or FORMAT_FORM', 'format');

  let ordering = input.ordering;
  if (ordering === Ordering.UNSPECIFIED) ordering = Ordering.NONE;
  else if (!ORDERINGS.includes(ordering))
    v.add('UNKNOWN_ENUM', 'must be ORDERING_NONE or ORDERING_PER_PROFILE', 'ordering');

  const actions = uniqueSorted(input.actions);
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a))
      v.at('actions').add('UNKNOWN_ENUM', 'must be ACTION_CREATE, ACTION_UPDATE or ACTION_DELETE', i);
  });

  let triggers = uniqueSorted(input.triggers);
  triggers.forEach((t, i) => {
    if (!ORIGINS.includes(t))
      v.at('triggers').add('UNKNOWN_ENUM', 'must be one of the ORIGIN_* values other than ORIGIN_UNSPECIFIED', i);
  });
  if (input.disableOnApiCalls) {
    triggers = (triggers.length === 0 ? ORIGINS : triggers).filter((t) => !API_ORIGINS.includes(t));
    if (triggers.length === 0) {
      v.add('NO_TRIGGERS_LEFT', 'disable_on_api_calls leaves no trigger: the callback could never fire', 'triggers');
    }
  }

  if (input.condition) v.at('condition').addAll(validateCondition(input.condition));

  const state = input.state === CallbackState.UNSPECIFIED ? CallbackState.ACTIVE : input.state;
  if (!STATES.includes(state)) v.add('UNKNOWN_ENUM', 'must be one of the CALLBACK_STATE_* values', 'state');

  const signatureScheme =
    input.signatureScheme === SignatureScheme.UNSPECIFIED ? SignatureScheme.COPERNICA : input.signatureScheme;
  if (!SCHEMES.includes(signatureScheme))
    v.add('UNKNOWN_ENUM', 'must be one of the SIGNATURE_SCHEME_* values', 'signature_scheme');

  if (input.deliveryPolicy) checkPolicy(input.deliveryPolicy, limits, v.at('delivery_policy'));

  if (input.description.length > MAX_DESCRIPTION_LENGTH) {
    v.add('TOO_LONG', `must be at most ${MAX_DESCRIPTION_LENGTH} characters`, 'description');
  }
  checkLabels(input.labels, v.at('labels'));

  return {
    ...input,
    format,
    ordering,
    actions,
    triggers,
    disableOnApiCalls: isApiDisabled(triggers),
    state,
    signatureScheme,
  };
}

/** "Disable on API calls" as read back: neither REST nor SOAP can fire the callback. */
export function isApiDisabled(triggers: readonly Origin[]): boolean {
  return triggers.length > 0 && !triggers.some((t) => API_ORIGINS.includes(t));
}

function checkId(value: string, v: Violations, field: string, required: boolean): void {
  if (value === '') {
    if (required) v.add('REQUIRED', 'is required', field);
    return;
  }
  if (!isId(value)) v.add('INVALID_ID', `must match ${ID_PATTERN} (letters, digits, _ and -, at most 64)`, field);
}

function checkUrl(raw: string, allowHttp: boolean, v: Violations): void {
  if (raw === '') return v.add('REQUIRED', 'is required');
  if (raw.length > MAX_URL_LENGTH) return v.add('TOO_LONG', `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return v.add('INVALID_URL', 'must be an absolute URL such as https://example.com/hook');
  }
  const allowed = allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) {
    return v.add('INVALID_URL_SCHEME', allowHttp ? 'must use https:// or http://' : 'must use https://');
  }
  // An empty user-info (`https://@host/`, `https://:@host/`) parses to no user name or password.
  const authority = raw.slice(raw.indexOf('//') + 2).split(/[/\\?#]/)[0] ?? '';
  if (url.username !== '' || url.password !== '' || authority.includes('@')) {
    return v.add('URL_HAS_CREDENTIALS', 'must not contain a user name or password; the request is signed instead');
  }
  if (url.hostname === '') return v.add('INVALID_URL', 'must name a host');
  if (url.hash !== '' || raw.includes('#')) return v.add('INVALID_URL', 'must not contain a #fragment');
  if (/\s/.test(raw)) return v.add('INVALID_URL', 'must not contain white space');
}

function checkPolicy(policy: DeliveryPolicy, limits: CallbackLimits, v: Violations): void {
  const { maxConcurrency, maxRequestsPerSecond, timeout } = policy;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 0 || maxConcurrency > limits.maxConcurrency) {
    v.add('OUT_OF_RANGE', `must be from 0 (server default) to ${limits.maxConcurrency}`, 'max_concurrency');
  }
  if (
    !Number.isFinite(maxRequestsPerSecond) ||
    maxRequestsPerSecond < 0 ||
    maxRequestsPerSecond > limits.maxRequestsPerSecond
  ) {
    v.add('OUT_OF_RANGE', `must be from 0 (no limit) to ${limits.maxRequestsPerSecond}`, 'max_requests_per_second');
  }
  if (timeout) {
    const ms = timeout.seconds * 1000 + timeout.nanos / 1e6;
    if (!(ms >= DELIVERY_BOUNDS.minTimeoutMs && ms <= limits.maxTimeoutMs)) {
      v.add(
        'OUT_OF_RANGE',
        `must be from ${DELIVERY_BOUNDS.minTimeoutMs / 1000}s to ${limits.maxTimeoutMs / 1000}s`,
        'timeout',
      );
    }
  }
}

function checkLabels(labels: Readonly<Record<string, string>>, v: Violations): void {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) v.add('TOO_MANY', `at most ${MAX_LABELS} labels`);
  for (const key of keys) {
    if (!LABEL_KEY_PATTERN.test(key)) {
      v.add('INVALID_LABEL_KEY', `label keys must match ${LABEL_KEY_PATTERN}`, key);
    } else if ((labels[key] ?? '').length > MAX_LABEL_VALUE_LENGTH) {
      v.add('TOO_LONG', `label values must be at most ${MAX_LABEL_VALUE_LENGTH} characters`, key);
    }
  }
}

function uniqueSorted<T extends number>(values: readonly T[]): T[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

import { durationFromMs } from '@callbacks/domain';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  Callback,
  type DeliveryPolicy,
  Format,
  Ordering,
  SignatureScheme,
} from '@callbacks/proto/callbacks/v1/callback';
import { Condition } from '@callbacks/proto/callbacks/v1/condition';
import { UsageError } from '../errors';
import { durationFlag, enumFlag, enumList, integerFlag, keyValues, numberFlag, splitList } from './flag-values';
import { durationJson, jsonObject, readJsonFile } from './json-files';

/** Where a callback lives; set on create, never changed. */
export const CALLBACK_SCOPE_OPTIONS = {
  account: { type: 'string' },
  database: { type: 'string' },
  collection: { type: 'string' },
} as const;

/** The flags that set a callback's settings, on create and update alike. */
export const CALLBACK_FIELD_OPTIONS = {
  url: { type: 'string' },
  format: { type: 'string' },
  ordering: { type: 'string' },
  action: { type: 'string', multiple: true },
  trigger: { type: 'string', multiple: true },
  'api-calls': { type: 'boolean' },
  'condition-file': { type: 'string' },
  expression: { type: 'string' },
  label: { type: 'string', multiple: true },
  description: { type: 'string' },
  'max-concurrency': { type: 'string' },
  rate: { type: 'string' },
  timeout: { type: 'string' },
  'signature-scheme': { type: 'string' },
} as const;

export const CALLBACK_FIELD_HELP = `  --url <url>                 where to POST (https://)
  --format <f>                json (default), xml or form
  --ordering <o>              none (default) or per-profile: one profile's deliveries one at a
                              time in publish order, each with a sequence number
  --action <a>                create, update or delete; repeat or comma-separate; all (default)
  --trigger <t>               publisher, rest, soap, webform, import, copy, open, click, bounce,
                              failure; repeat or comma-separate; all (default)
  --no-api-calls              not for changes made through the APIs (leaves out rest and soap)
  --api-calls                 for API changes again (update)
  --condition-file <file>     the condition as proto3 JSON ({"rules": [...], "expression": "..."})
  --expression <cel>          a condition that is only this CEL expression
  --label <key=value>         repeat for more labels (on update: the new set of labels)
  --description <text>
  --max-concurrency <n>       requests in flight to the endpoint at once (0: server default)
  --rate <n>                  requests per second to the endpoint (0: no limit of its own)
  --timeout <duration>        total time of one attempt, e.g. 10s (server default 15s)
  --signature-scheme <s>      copernica (default), standard-webhooks-v1, standard-webhooks-v1a or
                              rfc9421; any but copernica makes a secret, printed this once`;

interface FieldValues {
  url?: string | undefined;
  format?: string | undefined;
  ordering?: string | undefined;
  action?: string[] | undefined;
  trigger?: string[] | undefined;
  'api-calls'?: boolean | undefined;
  'condition-file'?: string | undefined;
  expression?: string | undefined;
  label?: string[] | undefined;
  description?: string | undefined;
  'max-concurrency'?: string | undefined;
  rate?: string | undefined;
  timeout?: string | undefined;
  'signature-scheme'?: string | undefined;
}

type Files = Parameters<typeof readJsonFile>[0];

/**
 * Copies the settings given as flags onto `callback` and returns the field mask paths they
 * cover, so that an update changes exactly what the command line names.
 */
export async function applyCallbackFlags(callback: Callback, values: FieldValues, files: Files): Promise<string[]> {
  const paths: string[] = [];
  const set = (path: string, apply: () => void) => {
    apply();
    paths.push(path);
  };
  const policy = (): DeliveryPolicy =>
    (callback.deliveryPolicy ??= { maxConcurrency: 0, maxRequestsPerSecond: 0, timeout: undefined });
  const { url, format, ordering, action, trigger, label, description, rate, timeout } = values;
  const apiCalls = values['api-calls'];
  const concurrency = values['max-concurrency'];
  const condition = await conditionFrom(values, files);

  if (url !== undefined) set('url', () => (callback.url = url));
  if (format !== undefined) set('format', () => (callback.format = enumFlag('format', format, Format, 'FORMAT_')));
  if (ordering !== undefined)
    set(
      'ordering',
      () => (callback.ordering = enumFlag('ordering', ordering.replace(/-/g, '_'), Ordering, 'ORDERING_')),
    );
  if (action)
    set('actions', () => (callback.actions = allOr(action, (items) => enumList('action', items, Action, 'ACTION_'))));
  if (trigger)
    set(
      'triggers',
      () => (callback.triggers = allOr(trigger, (items) => enumList('trigger', items, Origin, 'ORIGIN_'))),
    );
  if (apiCalls !== undefined) set('disable_on_api_calls', () => (callback.disableOnApiCalls = !apiCalls));
  if (condition) set('condition', () => (callback.condition = condition));
  if (label) set('labels', () => (callback.labels = keyValues('label', label)));
  if (description !== undefined) set('description', () => (callback.description = description));
  if (concurrency !== undefined) {
    set(
      'delivery_policy.max_concurrency',
      () => (policy().maxConcurrency = integerFlag('max-concurrency', concurrency, { min: 0 })),
    );
  }
  if (rate !== undefined)
    set(
      'delivery_policy.max_requests_per_second',
      () => (policy().maxRequestsPerSecond = numberFlag('rate', rate, { min: 0 })),
    );
  if (timeout !== undefined)
    set('delivery_policy.timeout', () => (policy().timeout = durationFromMs(durationFlag('timeout', timeout))));
  const scheme = values['signature-scheme'];
  if (scheme !== undefined)
    set(
      'signature_scheme',
      () => (callback.signatureScheme = enumFlag('signature-scheme', scheme, SignatureScheme, 'SIGNATURE_SCHEME_')),
    );
  return paths;
}

/** A callback from a file of proto3 JSON (what `callbacks get --json` prints). */
export async function callbackFromFile(files: Files, path: string): Promise<Callback> {
  const json = jsonObject(await readJsonFile(files, 'from-file', path), 'from-file', path, 'a Callback');
  const policy = json['deliveryPolicy'] ?? json['delivery_policy'];
  if (typeof policy === 'object' && policy !== null) {
    const timeout = (policy as Record<string, unknown>)['timeout'];
    return Callback.fromJSON({
      ...json,
      deliveryPolicy: { ...policy, timeout: durationJson(timeout) },
      delivery_policy: undefined,
    });
  }
  return Callback.fromJSON(json);
}

/** `all` stands for the empty list, which means every action or origin. */
function allOr<E>(raw: readonly string[], parse: (raw: readonly string[]) => E[]): E[] {
  const items = splitList(raw);
  if (items.some((item) => item.toLowerCase() === 'all')) {
    if (items.length > 1) throw new UsageError(`"all" cannot be combined with other values (${items.join(', ')})`);
    return [];
  }
  return parse(items);
}

async function conditionFrom(values: FieldValues, files: Files): Promise<Condition | undefined> {
  const file = values['condition-file'];
  const expression = values.expression;
  if (file !== undefined && expression !== undefined) {
    throw new UsageError('give --condition-file or --expression, not both (a condition file can hold an "expression")');
  }
  if (expression !== undefined) return { rules: [], expression };
  if (file === undefined) return undefined;
  return Condition.fromJSON(
    jsonObject(await readJsonFile(files, 'condition-file', file), 'condition-file', file, 'a Condition'),
  );
}

/** A whole callback from the command line: a file (optional), then the flags on top of it. */
export const CALLBACK_INPUT_OPTIONS = {
  'from-file': { type: 'string' },
  ...CALLBACK_SCOPE_OPTIONS,
  ...CALLBACK_FIELD_OPTIONS,
} as const;

type InputValues = FieldValues & {
  'from-file'?: string | undefined;
  account?: string | undefined;
  database?: string | undefined;
  collection?: string | undefined;
};

/** True when the command line describes a callback (by file or flags). */
export function hasCallbackInput(values: InputValues): boolean {
  return Object.keys(CALLBACK_INPUT_OPTIONS).some((flag) => values[flag as keyof InputValues] !== undefined);
}

export async function callbackFromInput(values: InputValues, files: Files): Promise<Callback> {
  const file = values['from-file'];
  const callback = file === undefined ? Callback.fromPartial({}) : await callbackFromFile(files, file);
  if (values.account !== undefined) callback.accountId = values.account;
  if (values.database !== undefined) callback.databaseId = values.database;
  if (values.collection !== undefined) callback.collectionId = values.collection;
  await applyCallbackFlags(callback, values, files);
  return callback;
}

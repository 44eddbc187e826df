import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState, Format, type Ordering } from '@callbacks/proto/callbacks/v1/callback';
import type { ListCallbacksRequest, UpdateCallbackRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { FieldComparison } from '@callbacks/proto/callbacks/v1/condition';
import { auth, call, callFails, type Harness, sampleCallback, startHarness, TOKENS, violatedFields } from './harness';

let h: Harness;
let existing: Callback;
beforeAll(async () => {
  h = await startHarness({ mongoUrl: inject('mongoUrl'), natsUrl: inject('natsUrl') });
  existing = (await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A)).callback!;
});
afterAll(async () => {
  await h?.close();
});

const A = auth(TOKENS.accountA);

const field = (name: string, comparison: FieldComparison, value = 'x') => ({
  $case: 'field' as const,
  value: {
    field: name,
    comparison,
    operand: { $case: 'value' as const, value },
    values: [],
    numeric: false,
    caseSensitive: false,
  },
});

/** Each invalid create request and the field the error must name. */
const invalidCreates: [string, Partial<Callback>, string][] = [
  ['missing url', { url: '' }, 'callback.url'],
  ['relative url', { url: '/hook' }, 'callback.url'],
  ['plain http url', { url: 'http://hooks.example.com/' }, 'callback.url'],
  ['ftp url', { url: 'ftp://hooks.example.com/' }, 'callback.url'],
  ['url with credentials', { url: 'https://user:pw@hooks.example.com/' }, 'callback.url'],
  ['url with an empty user-info', { url: 'https://@hooks.example.com/' }, 'callback.url'],
  ['url with an empty user name and password', { url: 'https://:@hooks.example.com/' }, 'callback.url'],
  ['url with fragment', { url: 'https://hooks.example.com/#x' }, 'callback.url'],
  ['url too long', { url: `https://hooks.example.com/${'a'.repeat(2048)}` }, 'callback.url'],
  ['missing account', { accountId: '' }, 'callback.account_id'],
  ['account id with a dot', { accountId: 'acct.a' }, 'callback.account_id'],
  ['missing database', { databaseId: '' }, 'callback.database_id'],
  ['database id too long', { databaseId: 'd'.repeat(65) }, 'callback.database_id'],
  ['collection without its database', { databaseId: '', collectionId: 'col-1' }, 'callback.database_id'],
  ['collection id with a space', { collectionId: 'col 1' }, 'callback.collection_id'],
  ['unknown format', { format: 99 as Format }, 'callback.format'],
  ['unknown ordering', { ordering: 7 as Ordering }, 'callback.ordering'],
  ['unknown action', { actions: [Action.UPDATE, 7 as Action] }, 'callback.actions[1]'],
  ['unspecified action', { actions: [Action.UNSPECIFIED] }, 'callback.actions[0]'],
  ['unknown trigger', { triggers: [42 as Origin] }, 'callback.triggers[0]'],
  [
    'api calls disabled with only api triggers',
    { triggers: [Origin.REST, Origin.SOAP], disableOnApiCalls: true },
    'callback.triggers',
  ],
  ['unknown state', { state: 12 as CallbackState }, 'callback.state'],
  ['description too long', { description: 'd'.repeat(1025) }, 'callback.description'],
  ['upper-case label key', { labels: { Team: 'crm' } }, 'callback.labels.Team'],
  ['label value too long', { labels: { team: 'v'.repeat(257) } }, 'callback.labels.team'],
  [
    'too many labels',
    { labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    'callback.labels',
  ],
  [
    'negative concurrency',
    { deliveryPolicy: { maxConcurrency: -1, maxRequestsPerSecond: 0, timeout: undefined } },
    'callback.delivery_policy.max_concurrency',
  ],
  [
    'concurrency over the server bound',
    { deliveryPolicy: { maxConcurrency: 100_000, maxRequestsPerSecond: 0, timeout: undefined } },
    'callback.delivery_policy.max_concurrency',
  ],
  [
    'rate over the server bound',
    { deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: 1e9, timeout: undefined } },
    'callback.delivery_policy.max_requests_per_second',
  ],
  [
    'timeout too short',
    { deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: 0, timeout: { seconds: 0, nanos: 5e8 } } },
    'callback.delivery_policy.timeout',
  ],
  [
    'timeout too long',
    { deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: 0, timeout: { seconds: 3600, nanos: 0 } } },
    'callback.delivery_policy.timeout',
  ],
  [
    'regular expression that is not RE2',
    {
      condition: {
        rules: [
          {
            name: '',
            mode: 0,
            disabled: false,
            conditions: [{ kind: field('name', FieldComparison.REGEXP, '(a)\\1') }],
          },
        ],
        expression: '',
      },
    },
    'callback.condition.rules[0].conditions[0].field.value',
  ],
  [
    'expression that does not parse',
    { condition: { rules: [], expression: 'profile.fields.name ==' } },
    'callback.condition.expression',
  ],
  [
    'expression that is not a bool',
    { condition: { rules: [], expression: 'profile.fields.name' } },
    'callback.condition.expression',
  ],
  [
    'bad field name in a condition',
    {
      condition: {
        rules: [{ name: '', mode: 0, disabled: false, conditions: [{ kind: field('1name', FieldComparison.EQUALS) }] }],
        expression: '',
      },
    },
    'callback.condition.rules[0].conditions[0].field.field',
  ],
];

describe('invalid requests are INVALID_ARGUMENT naming the field', () => {
  it.each(invalidCreates)('create: %s', async (_name, overrides, expected) => {
    const error = await callFails(h.client.createCallback.bind(h.client), { callback: sampleCallback(overrides) }, A);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(error)).toContain(expected);
  });

  it('create: missing callback', async () => {
    const error = await callFails(h.client.createCallback.bind(h.client), { callback: undefined }, A);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(error)).toEqual(['callback']);
  });

  it('create: reports every violation at once', async () => {
    const error = await callFails(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ url: 'nope', databaseId: '', format: 9 as Format }) },
      A,
    );
    expect(violatedFields(error)).toEqual(['callback.database_id', 'callback.url', 'callback.format']);
  });

  const updates: [string, (c: Callback) => UpdateCallbackRequest, string][] = [
    ['empty mask', (c) => ({ callback: c, updateMask: [], expectedRevision: 0 }), 'update_mask.paths'],
    [
      'unknown mask path',
      (c) => ({ callback: c, updateMask: ['colour'], expectedRevision: 0 }),
      'update_mask.paths[0]',
    ],
    [
      'immutable mask path',
      (c) => ({ callback: c, updateMask: ['url', 'account_id'], expectedRevision: 0 }),
      'update_mask.paths[1]',
    ],
    ['missing id', (c) => ({ callback: { ...c, id: '' }, updateMask: ['url'], expectedRevision: 0 }), 'callback.id'],
    [
      'bad new url',
      (c) => ({ callback: { ...c, url: 'https://a b' }, updateMask: ['url'], expectedRevision: 0 }),
      'callback.url',
    ],
  ];
  it.each(updates)('update: %s', async (_name, build, expected) => {
    const error = await callFails(h.client.updateCallback.bind(h.client), build(existing), A);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(error)).toContain(expected);
  });

  const lists: [string, Partial<ListCallbacksRequest>, string][] = [
    ['page size over 1000', { pageSize: 1001 }, 'page_size'],
    ['negative page size', { pageSize: -1 }, 'page_size'],
    ['garbage page token', { pageToken: '!!!' }, 'page_token'],
    ['collection filter without database', { collectionId: 'c1' }, 'database_id'],
    ['bad database id', { databaseId: 'a/b' }, 'database_id'],
  ];
  it.each(lists)('list: %s', async (_name, overrides, expected) => {
    const error = await callFails(
      h.client.listCallbacks.bind(h.client),
      {
        accountId: '',
        databaseId: '',
        collectionId: '',
        state: 0,
        labels: {},
        pageSize: 0,
        pageToken: '',
        ...overrides,
      },
      A,
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(error)).toContain(expected);
  });

  it('get: bad id', async () => {
    const error = await callFails(h.client.getCallback.bind(h.client), { id: '../etc' }, A);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(error)).toEqual(['id']);
  });
});

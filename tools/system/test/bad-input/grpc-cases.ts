import { Metadata, status } from '@grpc/grpc-js';
import { Action, Origin, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { Callback, CallbackState, Format } from '@callbacks/proto/callbacks/v1/callback';
import {
  CreateCallbackRequest,
  DeleteCallbackRequest,
  GetCallbackRequest,
  GetDeliveryRequest,
  ListCallbacksRequest,
  ListDeliveriesRequest,
  ReplayDeliveriesRequest,
  TestCallbackRequest,
  UpdateCallbackRequest,
} from '@callbacks/proto/callbacks/v1/callback_service';
import {
  type Condition,
  DateComparison,
  FieldComparison,
  type RuleCondition,
  RuleMode,
} from '@callbacks/proto/callbacks/v1/condition';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { fieldCondition, sampleCallback } from '@callbacks/testing';
import {
  ACCOUNT,
  cat,
  entry,
  INVALID_UTF8,
  ld,
  NESTED_GROUPS,
  OVERLONG_UTF8,
  sample,
  SURROGATE_UTF8,
  timestamp,
  varint,
} from './fixtures';

export type Method =
  | 'CreateCallback'
  | 'GetCallback'
  | 'ListCallbacks'
  | 'UpdateCallback'
  | 'DeleteCallback'
  | 'TestCallback'
  | 'ListDeliveries'
  | 'GetDelivery'
  | 'ReplayDeliveries';

/** What a case may refer to once the system runs. */
export interface CaseContext {
  token: string;
  /** A saved callback of ACCOUNT. */
  existing: Callback;
}

export interface GrpcCase {
  name: string;
  method: Method;
  body: (w: CaseContext) => Uint8Array;
  /** Default: the system's token. */
  metadata?: (w: CaseContext) => Metadata;
  code: status;
  message: RegExp;
  /** The field paths of the google.rpc.BadRequest, exactly. */
  fields?: string[];
  /** ...or the first of them, when there are too many to list. */
  fieldsStartWith?: string[];
}

export function bearer(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', value);
  return metadata;
}

const callback = (overrides: Partial<Callback> = {}) => sampleCallback({ accountId: ACCOUNT, ...overrides });
const create = (overrides: Partial<Callback> = {}) =>
  CreateCallbackRequest.encode({ callback: callback(overrides) }).finish();
/** A create request whose callback has `raw` fields after its own: a later field wins. */
const createWith = (...raw: Uint8Array[]) => ld(1, cat(Callback.encode(callback()).finish(), ...raw));
const withCondition = (condition: Partial<Condition>) =>
  create({ condition: { rules: [], expression: '', ...condition } });
const withRuleCondition = (condition: RuleCondition) =>
  withCondition({ rules: [{ name: '', mode: RuleMode.INCLUDE, disabled: false, conditions: [condition] }] });
const list = (request: Partial<ListCallbacksRequest>) =>
  ListCallbacksRequest.encode(ListCallbacksRequest.fromPartial(request)).finish();
const update = (w: CaseContext, request: Partial<UpdateCallbackRequest>) =>
  UpdateCallbackRequest.encode(UpdateCallbackRequest.fromPartial({ callback: w.existing, ...request })).finish();
const listDeliveries = (request: Partial<ListDeliveriesRequest>) =>
  ListDeliveriesRequest.encode(ListDeliveriesRequest.fromPartial(request)).finish();
const replay = (request: Partial<ReplayDeliveriesRequest>) =>
  ReplayDeliveriesRequest.encode(ReplayDeliveriesRequest.fromPartial(request)).finish();
const testSaved = (w: CaseContext, event: ProfileEvent) =>
  TestCallbackRequest.encode({ target: { $case: 'callbackId', value: w.existing.id }, event, send: false }).finish();
/** A TestCallback request for the saved callback whose event has `raw` fields after its own. */
const testSavedWith = (w: CaseContext, ...raw: Uint8Array[]) =>
  cat(ld(1, w.existing.id), ld(3, cat(ProfileEvent.encode(sample()).finish(), ...raw)));

/** Malformed CallbackService requests, each with the status code, message and field paths it must get. */
export const grpcCases: GrpcCase[] = [
  // Missing or invalid credentials: refused before the request is even looked at.
  {
    name: 'no authorization metadata',
    method: 'GetCallback',
    body: (w) => GetCallbackRequest.encode({ id: w.existing.id }).finish(),
    metadata: () => new Metadata(),
    code: status.UNAUTHENTICATED,
    message: /^missing "authorization: Bearer <token>" metadata$/,
  },
  {
    name: 'unknown token',
    method: 'CreateCallback',
    body: () => create(),
    metadata: () => bearer('Bearer not-a-token'),
    code: status.UNAUTHENTICATED,
    message: /^unknown or revoked token$/,
  },
  {
    name: 'basic instead of bearer',
    method: 'ListCallbacks',
    body: () => list({}),
    metadata: () => bearer('Basic dXNlcjpwYXNz'),
    code: status.UNAUTHENTICATED,
    message: /^"authorization" metadata must be "Bearer <token>"$/,
  },
  {
    name: 'bearer without a token',
    method: 'ReplayDeliveries',
    body: () => replay({ deliveryIds: ['dl_x'] }),
    metadata: () => bearer('Bearer'),
    code: status.UNAUTHENTICATED,
    message: /^"authorization" metadata must be "Bearer <token>"$/,
  },
  {
    name: 'more than a token after bearer',
    method: 'DeleteCallback',
    body: (w) => DeleteCallbackRequest.encode({ id: w.existing.id, expectedRevision: 0 }).finish(),
    metadata: (w) => bearer(`Bearer ${w.token} ${w.token}`),
    code: status.UNAUTHENTICATED,
    message: /^"authorization" metadata must be "Bearer <token>"$/,
  },
  {
    name: 'a 16 KiB token',
    method: 'TestCallback',
    body: (w) => testSaved(w, sample()),
    metadata: () => bearer(`Bearer ${'t'.repeat(16_384)}`),
    code: status.UNAUTHENTICATED,
    message: /^unknown or revoked token$/,
  },
  {
    name: 'undecodable bytes without a token',
    method: 'GetDelivery',
    body: () => new Uint8Array([0xff, 0xff, 0xff]),
    metadata: () => new Metadata(),
    code: status.UNAUTHENTICATED,
    message: /^missing "authorization/,
  },

  // Bytes that are not the request message at all.
  {
    name: 'bytes that are no protobuf message',
    method: 'CreateCallback',
    body: () => new Uint8Array([0xff, 0xff, 0xff]),
    code: status.INVALID_ARGUMENT,
    message: /^invalid request: cannot be decoded \(not a valid callbacks\.v1\.CreateCallbackRequest: premature EOF\)$/,
    fields: [''],
  },
  {
    name: 'a string longer than the message',
    method: 'GetCallback',
    body: () => new Uint8Array([0x0a, 0x10, 0x61]),
    code: status.INVALID_ARGUMENT,
    message: /^invalid request: cannot be decoded \(not a valid callbacks\.v1\.GetCallbackRequest: premature EOF\)$/,
    fields: [''],
  },
  {
    name: 'wire type 7, which does not exist',
    method: 'ListCallbacks',
    body: () => new Uint8Array([0x0f, 0x00]),
    code: status.INVALID_ARGUMENT,
    message: /cannot be decoded \(not a valid callbacks\.v1\.ListCallbacksRequest: cant skip wire type 7\)$/,
    fields: [''],
  },
  {
    name: 'a varint of 11 bytes',
    method: 'ListDeliveries',
    body: () => cat(new Uint8Array(10).fill(0xff), new Uint8Array([0x01])),
    code: status.INVALID_ARGUMENT,
    message: /cannot be decoded \(not a valid callbacks\.v1\.ListDeliveriesRequest: .*varint/,
    fields: [''],
  },
  {
    name: 'bytes after the end of the message',
    method: 'DeleteCallback',
    body: (w) =>
      cat(
        DeleteCallbackRequest.encode({ id: w.existing.id, expectedRevision: 0 }).finish(),
        new Uint8Array([0x00, 0x2a]),
      ),
    code: status.INVALID_ARGUMENT,
    message:
      /cannot be decoded \(not a valid callbacks\.v1\.DeleteCallbackRequest: its encoding stops at byte \d+ of \d+\)$/,
    fields: [''],
  },
  {
    name: 'the request as JSON text instead of protobuf',
    method: 'CreateCallback',
    body: () => Buffer.from(JSON.stringify(CreateCallbackRequest.toJSON({ callback: callback() }))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid request: cannot be decoded \(not a valid callbacks\.v1\.CreateCallbackRequest: /,
    fields: [''],
  },
  {
    name: 'an event that is no ProfileEvent',
    method: 'TestCallback',
    body: () => cat(ld(1, 'cb_x'), ld(3, new Uint8Array([0xff, 0xff, 0xff]))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid request: cannot be decoded \(not a valid callbacks\.v1\.TestCallbackRequest: /,
    fields: [''],
  },

  // Wrong wire types: the field is skipped as unknown (as protobuf parsers do), so it is missing.
  {
    name: 'delivery id sent as a number',
    method: 'GetDelivery',
    body: () => varint(1, 42),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is required$/,
    fields: ['id'],
  },
  {
    name: 'callback sent as a number',
    method: 'CreateCallback',
    body: () => varint(1, 1),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback: is required$/,
    fields: ['callback'],
  },

  // Huge values.
  {
    name: 'a 1 MiB URL',
    method: 'CreateCallback',
    body: () => create({ url: `https://hooks.example.com/${'a'.repeat(1 << 20)}` }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.url: must be at most 2048 characters$/,
    fields: ['callback.url'],
  },
  {
    name: 'a request over the 4 MiB limit',
    method: 'CreateCallback',
    body: () => create({ description: 'd'.repeat(5 << 20) }),
    code: status.RESOURCE_EXHAUSTED,
    message: /^Received message larger than max \(\d+ vs 4194304\)$/,
  },
  {
    name: '5,000 rules',
    method: 'CreateCallback',
    body: () =>
      withCondition({
        rules: Array.from({ length: 5_000 }, () => ({
          name: '',
          mode: RuleMode.INCLUDE,
          disabled: false,
          conditions: [],
        })),
      }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules: a condition has at most 50 rules, this one has 5000$/,
    fields: ['callback.condition.rules'],
  },
  {
    name: '10,000 conditions in one rule',
    method: 'CreateCallback',
    body: () =>
      withCondition({
        rules: [
          {
            name: '',
            mode: RuleMode.INCLUDE,
            disabled: false,
            conditions: Array.from({ length: 10_000 }, () => fieldCondition('name', FieldComparison.EQUALS, 'x')),
          },
        ],
      }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.conditions: .*50/,
    fields: ['callback.condition.rules[0].conditions'],
  },
  {
    name: '10,000 unknown actions',
    method: 'CreateCallback',
    body: () => create({ actions: Array.from({ length: 10_000 }, (_, i) => (100 + i) as Action) }),
    code: status.INVALID_ARGUMENT,
    message:
      /^10000 invalid fields: callback\.actions\[0\], callback\.actions\[1\], .*callback\.actions\[9\] and 9990 more$/,
    fieldsStartWith: ['callback.actions[0]', 'callback.actions[1]', 'callback.actions[2]'],
  },
  {
    name: 'an expression over 4 KiB',
    method: 'CreateCallback',
    body: () => withCondition({ expression: `profile.fields.name == "${'x'.repeat(4_096)}"` }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.expression: the expression is longer than 4096 bytes$/,
    fields: ['callback.condition.expression'],
  },
  {
    name: 'a regular expression over 1 KiB',
    method: 'CreateCallback',
    body: () => withRuleCondition(fieldCondition('name', FieldComparison.REGEXP, 'a'.repeat(2_000))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.conditions\[0\]\.field\.value: /,
    fields: ['callback.condition.rules[0].conditions[0].field.value'],
  },
  {
    name: 'a 1 MiB description',
    method: 'CreateCallback',
    body: () => create({ description: 'd'.repeat(1 << 20) }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.description: must be at most 1024 characters$/,
    fields: ['callback.description'],
  },
  {
    name: '10,000 labels',
    method: 'CreateCallback',
    body: () => create({ labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])) }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.labels: at most 32 labels$/,
    fields: ['callback.labels'],
  },
  {
    name: 'page size 2^31-1',
    method: 'ListCallbacks',
    body: () => list({ pageSize: 2_147_483_647 }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid page_size: must be from 1 to 1000 \(0 means 100\)$/,
    fields: ['page_size'],
  },
  {
    name: 'negative page size',
    method: 'ListDeliveries',
    body: () => listDeliveries({ pageSize: -1 }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid page_size: must be from 1 to 1000/,
    fields: ['page_size'],
  },
  {
    name: 'a 1 MiB page token',
    method: 'ListCallbacks',
    body: () => list({ pageToken: 'A'.repeat(1 << 20) }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid page_token: is not a page token from this API$/,
    fields: ['page_token'],
  },
  {
    name: '10,001 delivery ids',
    method: 'ReplayDeliveries',
    body: () => replay({ deliveryIds: Array.from({ length: 10_001 }, (_, i) => `dl_${i}`) }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid delivery_ids: at most 10000 deliveries per call$/,
    fields: ['delivery_ids'],
  },
  {
    name: 'a 1 MiB field mask path',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['x'.repeat(1 << 20)] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[0\]: "x+…$/,
    fields: ['update_mask.paths[0]'],
  },
  {
    name: 'a rate of NaN',
    method: 'CreateCallback',
    body: () => create({ deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: Number.NaN, timeout: undefined } }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.delivery_policy\.max_requests_per_second: must be from 0/,
    fields: ['callback.delivery_policy.max_requests_per_second'],
  },
  {
    name: 'an infinite rate',
    method: 'CreateCallback',
    body: () =>
      create({
        deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: Number.POSITIVE_INFINITY, timeout: undefined },
      }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.delivery_policy\.max_requests_per_second: /,
    fields: ['callback.delivery_policy.max_requests_per_second'],
  },
  {
    name: 'a timeout of 10^12 seconds',
    method: 'CreateCallback',
    body: () =>
      create({ deliveryPolicy: { maxConcurrency: 0, maxRequestsPerSecond: 0, timeout: { seconds: 1e12, nanos: 0 } } }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.delivery_policy\.timeout: must be from 1s to 60s$/,
    fields: ['callback.delivery_policy.timeout'],
  },
  {
    name: 'a start time in the year 31 million',
    method: 'ListDeliveries',
    body: () => ld(3, timestamp(1e15)),
    code: status.INVALID_ARGUMENT,
    message: /^invalid start_time: must be a time from 0001-01-01 to 9999-12-31 \(UTC\)$/,
    fields: ['start_time'],
  },
  {
    name: 'an end time before the year 1',
    method: 'ReplayDeliveries',
    body: (w) => cat(ld(2, w.existing.id), ld(5, timestamp(-1e12))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid end_time: must be a time from 0001-01-01/,
    fields: ['end_time'],
  },
  {
    name: 'a sample event created after the year 9999',
    method: 'TestCallback',
    body: (w) => testSavedWith(w, ld(14, timestamp(1e15))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid event\.created_at: must be a time from 0001-01-01/,
    fields: ['event.created_at'],
  },

  // Invalid UTF-8 in string fields: refused, not turned into U+FFFD and stored.
  {
    name: 'invalid UTF-8 in the URL',
    method: 'CreateCallback',
    body: () => createWith(ld(5, cat(Buffer.from('https://hooks.example.com/'), INVALID_UTF8))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.url: is not valid UTF-8/,
    fields: ['callback.url'],
  },
  {
    name: 'invalid UTF-8 in a label value',
    method: 'CreateCallback',
    body: () => createWith(ld(14, entry('team', INVALID_UTF8))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.labels\.team: is not valid UTF-8/,
    fields: ['callback.labels.team'],
  },
  {
    name: 'invalid UTF-8 in the expression',
    method: 'CreateCallback',
    body: () => createWith(ld(10, ld(2, INVALID_UTF8))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.expression: is not valid UTF-8/,
    fields: ['callback.condition.expression'],
  },
  {
    name: 'an overlong encoding in the description',
    method: 'CreateCallback',
    body: () => createWith(ld(13, OVERLONG_UTF8)),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.description: is not valid UTF-8/,
    fields: ['callback.description'],
  },
  {
    name: 'an encoded surrogate in a rule name',
    method: 'CreateCallback',
    body: () => createWith(ld(10, ld(1, ld(1, SURROGATE_UTF8)))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.name: is not valid UTF-8/,
    fields: ['callback.condition.rules[0].name'],
  },
  {
    name: 'invalid UTF-8 in the id',
    method: 'GetCallback',
    body: () => ld(1, INVALID_UTF8),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is not valid UTF-8/,
    fields: ['id'],
  },
  {
    name: 'invalid UTF-8 in a field mask path',
    method: 'UpdateCallback',
    body: (w) => cat(ld(1, Callback.encode(w.existing).finish()), ld(2, ld(1, INVALID_UTF8))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[0\]: is not valid UTF-8/,
    fields: ['update_mask.paths[0]'],
  },
  {
    name: 'invalid UTF-8 in a sample event field',
    method: 'TestCallback',
    body: (w) => testSavedWith(w, ld(10, entry('city', INVALID_UTF8))),
    code: status.INVALID_ARGUMENT,
    message: /^invalid event\.fields\.city: is not valid UTF-8/,
    fields: ['event.fields.city'],
  },
  {
    name: 'invalid UTF-8 in the page token',
    method: 'ListDeliveries',
    body: () => ld(6, INVALID_UTF8),
    code: status.INVALID_ARGUMENT,
    message: /^invalid page_token: is not valid UTF-8/,
    fields: ['page_token'],
  },

  // Deep nesting.
  {
    name: 'groups nested 200 deep',
    method: 'UpdateCallback',
    body: () => NESTED_GROUPS,
    code: status.INVALID_ARGUMENT,
    message: /cannot be decoded \(not a valid callbacks\.v1\.UpdateCallbackRequest: maximum recursion depth reached\)$/,
    fields: [''],
  },
  {
    name: 'an expression in 2,000 parentheses',
    method: 'CreateCallback',
    body: () => withCondition({ expression: `${'('.repeat(2_000)}true${')'.repeat(2_000)}` }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.expression: the expression is nested too deeply/,
    fields: ['callback.condition.expression'],
  },
  {
    name: 'a member chain 1,000 deep',
    method: 'CreateCallback',
    body: () => withCondition({ expression: `profile${'.a'.repeat(1_000)} == ""` }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.expression: the expression is nested more than 100 levels deep/,
    fields: ['callback.condition.expression'],
  },
  {
    name: 'lists nested 1,000 deep',
    method: 'CreateCallback',
    body: () => withCondition({ expression: `${'['.repeat(1_000)}${']'.repeat(1_000)} == []` }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.expression: the expression is nested/,
    fields: ['callback.condition.expression'],
  },

  // Unknown enum numbers.
  {
    name: 'format 99',
    method: 'CreateCallback',
    body: () => create({ format: 99 as Format }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.format: must be FORMAT_JSON, FORMAT_XML or FORMAT_FORM$/,
    fields: ['callback.format'],
  },
  {
    name: 'trigger 42',
    method: 'CreateCallback',
    body: () => create({ triggers: [Origin.REST, 42 as Origin] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.triggers\[1\]: must be one of the ORIGIN_\* values/,
    fields: ['callback.triggers[1]'],
  },
  {
    name: 'action -1',
    method: 'CreateCallback',
    body: () => create({ actions: [-1 as Action] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.actions\[0\]: must be ACTION_CREATE, ACTION_UPDATE or ACTION_DELETE$/,
    fields: ['callback.actions[0]'],
  },
  {
    name: 'rule mode 7',
    method: 'CreateCallback',
    body: () => withCondition({ rules: [{ name: '', mode: 7 as RuleMode, disabled: false, conditions: [] }] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.mode: /,
    fields: ['callback.condition.rules[0].mode'],
  },
  {
    name: 'field comparison 99',
    method: 'CreateCallback',
    body: () => withRuleCondition(fieldCondition('name', 99 as FieldComparison, 'x')),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.conditions\[0\]\.field\.comparison: /,
    fields: ['callback.condition.rules[0].conditions[0].field.comparison'],
  },
  {
    name: 'date comparison 99',
    method: 'CreateCallback',
    body: () =>
      withRuleCondition({
        kind: {
          $case: 'date',
          value: {
            field: 'birthday',
            comparison: 99 as DateComparison,
            reference: { $case: 'absolute', value: '2020-01-01' },
            ignoreYear: false,
          },
        },
      }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.condition\.rules\[0\]\.conditions\[0\]\.date\.comparison: /,
    fields: ['callback.condition.rules[0].conditions[0].date.comparison'],
  },
  {
    name: 'state 12 on update',
    method: 'UpdateCallback',
    body: (w) => update(w, { callback: { ...w.existing, state: 12 as CallbackState }, updateMask: ['state'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.state: must be one of the CALLBACK_STATE_\* values$/,
    fields: ['callback.state'],
  },
  {
    name: 'state 99 as a list filter',
    method: 'ListCallbacks',
    body: () => list({ state: 99 as CallbackState }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid state: is not a CALLBACK_STATE_\* value$/,
    fields: ['state'],
  },
  {
    name: 'delivery state 99',
    method: 'ListDeliveries',
    body: () => listDeliveries({ state: 99 as DeliveryState }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid state: must be one of DELIVERY_STATE_PENDING/,
    fields: ['state'],
  },
  {
    name: 'replay of delivery state 99',
    method: 'ReplayDeliveries',
    body: (w) => replay({ callbackId: w.existing.id, states: [DeliveryState.DEAD, 99 as DeliveryState] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid states\[1\]: must be one of DELIVERY_STATE_PENDING/,
    fields: ['states[1]'],
  },
  {
    name: 'sample event with action 99 and origin 99',
    method: 'TestCallback',
    body: (w) => testSaved(w, sample({ action: 99 as Action, origin: 99 as Origin })),
    code: status.INVALID_ARGUMENT,
    message: /^2 invalid fields: event\.action, event\.origin$/,
    fields: ['event.action', 'event.origin'],
  },

  // Missing and malformed ids.
  {
    name: 'no id',
    method: 'GetCallback',
    body: () => GetCallbackRequest.encode({ id: '' }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is required$/,
    fields: ['id'],
  },
  {
    name: 'a path as the id',
    method: 'GetCallback',
    body: () => GetCallbackRequest.encode({ id: '../../etc/passwd' }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is not a callback id$/,
    fields: ['id'],
  },
  {
    name: 'an id of 65 characters',
    method: 'DeleteCallback',
    body: () => DeleteCallbackRequest.encode({ id: 'c'.repeat(65), expectedRevision: 0 }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is not a callback id$/,
    fields: ['id'],
  },
  {
    name: 'no id to delete',
    method: 'DeleteCallback',
    body: () => DeleteCallbackRequest.encode({ id: '', expectedRevision: 3 }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is required$/,
    fields: ['id'],
  },
  {
    name: 'no callback to create',
    method: 'CreateCallback',
    body: () => new Uint8Array(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback: is required$/,
    fields: ['callback'],
  },
  {
    name: 'no account and no database',
    method: 'CreateCallback',
    body: () => create({ accountId: '', databaseId: '' }),
    code: status.INVALID_ARGUMENT,
    message: /^2 invalid fields: callback\.account_id, callback\.database_id$/,
    fields: ['callback.account_id', 'callback.database_id'],
  },
  {
    name: 'no callback to update',
    method: 'UpdateCallback',
    body: () =>
      UpdateCallbackRequest.encode({ callback: undefined, updateMask: ['url'], expectedRevision: 0 }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback: is required$/,
    fields: ['callback'],
  },
  {
    name: 'no callback id to update',
    method: 'UpdateCallback',
    body: (w) => update(w, { callback: { ...w.existing, id: '' }, updateMask: ['url'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid callback\.id: is required$/,
    fields: ['callback.id'],
  },
  {
    name: 'no delivery id',
    method: 'GetDelivery',
    body: () => GetDeliveryRequest.encode({ id: '' }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is required$/,
    fields: ['id'],
  },
  {
    name: 'a delivery id with a NUL',
    method: 'GetDelivery',
    body: () => GetDeliveryRequest.encode({ id: 'dl_\u0000x' }).finish(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid id: is not a delivery id$/,
    fields: ['id'],
  },
  {
    name: 'nothing to replay',
    method: 'ReplayDeliveries',
    body: () => new Uint8Array(),
    code: status.INVALID_ARGUMENT,
    message: /^invalid delivery_ids: give delivery_ids, or callback_id/,
    fields: ['delivery_ids'],
  },
  {
    name: 'a delivery named twice',
    method: 'ReplayDeliveries',
    body: () => replay({ deliveryIds: ['dl_a', 'dl_a'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid delivery_ids\[1\]: is named twice$/,
    fields: ['delivery_ids[1]'],
  },
  {
    name: 'delivery ids and a callback id',
    method: 'ReplayDeliveries',
    body: (w) => replay({ deliveryIds: ['dl_a'], callbackId: w.existing.id }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid delivery_ids: give delivery_ids, or callback_id with states and times, not both$/,
    fields: ['delivery_ids'],
  },
  {
    name: 'no callback and no event to test',
    method: 'TestCallback',
    body: () => new Uint8Array(),
    code: status.INVALID_ARGUMENT,
    message: /^2 invalid fields: callback_id, event$/,
    fields: ['callback_id', 'event'],
  },
  {
    name: 'a collection without its database',
    method: 'ListCallbacks',
    body: () => list({ collectionId: 'col-1' }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid database_id: is required when collection_id is given$/,
    fields: ['database_id'],
  },

  // Bad field masks.
  {
    name: 'an empty field mask',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: [] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths: name at least one field to update/,
    fields: ['update_mask.paths'],
  },
  {
    name: 'an immutable field in the mask',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['account_id'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[0\]: account_id cannot be changed/,
    fields: ['update_mask.paths[0]'],
  },
  {
    name: 'an unknown field in the mask',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['url', 'no_such_field'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[1\]: "no_such_field" is not an updatable Callback field$/,
    fields: ['update_mask.paths[1]'],
  },
  {
    name: 'a sub-field that does not exist',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['delivery_policy.retries'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[0\]: "delivery_policy\.retries" is not an updatable/,
    fields: ['update_mask.paths[0]'],
  },
  {
    name: 'a camelCase path',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['deliveryPolicy'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[0\]: "deliveryPolicy" is not an updatable/,
    fields: ['update_mask.paths[0]'],
  },
  {
    name: '"*" and revision',
    method: 'UpdateCallback',
    body: (w) => update(w, { updateMask: ['*', 'revision'] }),
    code: status.INVALID_ARGUMENT,
    message: /^invalid update_mask\.paths\[1\]: revision cannot be changed/,
    fields: ['update_mask.paths[1]'],
  },
];

import { durationFromMs, msFromDuration } from '@callbacks/domain';
import {
  actionFromJSON,
  actionToJSON,
  originFromJSON,
  originToJSON,
} from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  callbackStateFromJSON,
  callbackStateToJSON,
  formatFromJSON,
  formatToJSON,
  Ordering,
  orderingFromJSON,
  orderingToJSON,
} from '@callbacks/proto/callbacks/v1/callback';
import { Condition } from '@callbacks/proto/callbacks/v1/condition';

/**
 * How a callback is stored. Enums are stored by name (stable across renumbering), the
 * condition in the proto3 JSON mapping, and labels as `key=value` strings so that a label
 * filter is one indexed `$all` and label keys never become field names.
 */
export interface CallbackDocument {
  _id: string;
  accountId: string;
  databaseId: string;
  collectionId: string;
  url: string;
  format: string;
  /** Missing in documents stored before ordering existed: ORDERING_NONE. */
  ordering?: string;
  actions: string[];
  triggers: string[];
  condition: unknown;
  state: string;
  deliveryPolicy: { maxConcurrency: number; maxRequestsPerSecond: number; timeoutMs: number | null } | null;
  description: string;
  labels: string[];
  revision: number;
  createTime: Date;
  updateTime: Date;
  stateChangeTime: Date | null;
  stateReason: string;
}

export function labelPairs(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

export function toDocument(c: Callback): CallbackDocument {
  const timeout = c.deliveryPolicy?.timeout;
  return {
    _id: c.id,
    accountId: c.accountId,
    databaseId: c.databaseId,
    collectionId: c.collectionId,
    url: c.url,
    format: formatToJSON(c.format),
    ordering: orderingToJSON(c.ordering),
    actions: c.actions.map(actionToJSON),
    triggers: c.triggers.map(originToJSON),
    condition: c.condition ? Condition.toJSON(c.condition) : null,
    state: callbackStateToJSON(c.state),
    deliveryPolicy: c.deliveryPolicy
      ? {
          maxConcurrency: c.deliveryPolicy.maxConcurrency,
          maxRequestsPerSecond: c.deliveryPolicy.maxRequestsPerSecond,
          timeoutMs: timeout ? msFromDuration(timeout) : null,
        }
      : null,
    description: c.description,
    labels: labelPairs(c.labels),
    revision: c.revision,
    createTime: c.createTime ?? new Date(0),
    updateTime: c.updateTime ?? new Date(0),
    stateChangeTime: c.stateChangeTime ?? null,
    stateReason: c.stateReason,
  };
}

export function fromDocument(d: CallbackDocument): Callback {
  const triggers = d.triggers.map(originFromJSON);
  const policy = d.deliveryPolicy;
  return {
    id: d._id,
    accountId: d.accountId,
    databaseId: d.databaseId,
    collectionId: d.collectionId,
    url: d.url,
    format: formatFromJSON(d.format),
    ordering: d.ordering === undefined ? Ordering.NONE : orderingFromJSON(d.ordering),
    actions: d.actions.map(actionFromJSON),
    triggers,
    disableOnApiCalls: false,
    condition: d.condition ? Condition.fromJSON(d.condition) : undefined,
    state: callbackStateFromJSON(d.state),
    deliveryPolicy: policy
      ? {
          maxConcurrency: policy.maxConcurrency,
          maxRequestsPerSecond: policy.maxRequestsPerSecond,
          timeout: policy.timeoutMs === null ? undefined : durationFromMs(policy.timeoutMs),
        }
      : undefined,
    description: d.description,
    labels: Object.fromEntries(
      d.labels.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
    revision: d.revision,
    createTime: d.createTime,
    updateTime: d.updateTime,
    stateChangeTime: d.stateChangeTime ?? undefined,
    stateReason: d.stateReason,
  };
}

/**
 * Every NATS subject the system uses, in one place. Tokens are ids (SPEC §2: `[A-Za-z0-9_-]`),
 * which never contain the `.`, `*` or `>` that would break a subject.
 */

export type EntityKind = 'profile' | 'subprofile';
export type ActionName = 'create' | 'update' | 'delete';

export const SUBJECTS = {
  /** Profile events: `callbacks.events.v1.<account>.<database>.<profile|subprofile>.<create|update|delete>`. */
  event: (accountId: string, databaseId: string, kind: EntityKind, action: ActionName) =>
    `callbacks.events.v1.${accountId}.${databaseId}.${kind}.${action}`,
  allEvents: 'callbacks.events.v1.>',

  /** Delivery jobs, for dispatchers: `callbacks.deliveries.v1.<account>.<callback>`. */
  deliveryJob: (accountId: string, callbackId: string) => `callbacks.deliveries.v1.${accountId}.${callbackId}`,
  allDeliveryJobs: 'callbacks.deliveries.v1.>',

  /**
   * A scheduled retry (a JetStream message schedule, ADR-51) that the server republishes to the
   * delivery job subject when it is due. One subject per delivery attempt: a schedule subject
   * holds exactly one schedule.
   */
  retrySchedule: (deliveryId: string, attempt: number) => `callbacks.retries.v1.${deliveryId}.${attempt}`,
  allRetrySchedules: 'callbacks.retries.v1.>',

  /**
   * An ordered callback's jobs, one subject per partition (callback and profile or subprofile):
   * `callbacks.ordered.v1.<account>.<callback>.<profile|subprofile>.<id>`. Only the first job on
   * a subject is ever attempted (see apps/dispatcher/src/nats/turn-consumer.ts).
   */
  orderedJob: (p: OrderedPartition) => `callbacks.ordered.v1.${p.accountId}.${p.callbackId}.${p.kind}.${p.entityId}`,
  allOrderedJobs: 'callbacks.ordered.v1.>',

  /** A partition's turn: at most one message per subject, the partition's lock and wake-up. */
  turn: (p: OrderedPartition) => `callbacks.turns.v1.${p.accountId}.${p.callbackId}.${p.kind}.${p.entityId}`,
  allTurns: 'callbacks.turns.v1.>',

  /**
   * Matcher instances telling each other which events they hold and the ordered lines of their
   * jobs (core NATS, no stream: see apps/matcher/src/events/held-events.ts).
   */
  heldEvents: 'callbacks.matching.v1.held',

  /** Attempt results, for the delivery log: `callbacks.results.v1.<account>.<callback>`. */
  attemptResult: (accountId: string, callbackId: string) => `callbacks.results.v1.${accountId}.${callbackId}`,
  allAttemptResults: 'callbacks.results.v1.>',

  /** Events that could not be decoded or validated, with the reason in a header. */
  deadLetterEvents: 'callbacks.deadletter.v1.events',
  allDeadLetters: 'callbacks.deadletter.v1.>',
} as const;

/**
 * The subjects as templates: what a trace span calls a destination (`publish
 * callbacks.deliveries.v1.{account}.{callback}`), a name with a bounded number of values.
 */
export const SUBJECT_TEMPLATES = {
  event: 'callbacks.events.v1.{account}.{database}.{kind}.{action}',
  deliveryJob: 'callbacks.deliveries.v1.{account}.{callback}',
  retrySchedule: 'callbacks.retries.v1.{delivery}.{attempt}',
  attemptResult: 'callbacks.results.v1.{account}.{callback}',
  orderedJob: 'callbacks.ordered.v1.{account}.{callback}.{kind}.{id}',
  turn: 'callbacks.turns.v1.{account}.{callback}.{kind}.{id}',
  deadLetterEvents: SUBJECTS.deadLetterEvents,
} as const;

/** The deliveries of one ordered callback for one profile or subprofile, attempted in order. */
export interface OrderedPartition {
  accountId: string;
  callbackId: string;
  kind: EntityKind;
  /** The profile id, or the subprofile id for a subprofile event. */
  entityId: string;
}

/** The partition a turn or ordered job subject names, or undefined when it names none. */
export function parsePartitionSubject(subject: string): OrderedPartition | undefined {
  const parts = subject.split('.');
  if (parts.length !== 7 || parts[0] !== 'callbacks' || parts[2] !== 'v1') return undefined;
  if (parts[1] !== 'turns' && parts[1] !== 'ordered') return undefined;
  const [, , , accountId, callbackId, kind, entityId] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (kind !== 'profile' && kind !== 'subprofile') return undefined;
  return { accountId, callbackId, kind, entityId };
}

/** The parts of a profile event subject, or undefined when it is not one. */
export function parseEventSubject(
  subject: string,
): { accountId: string; databaseId: string; kind: EntityKind; action: ActionName } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 7 || parts[0] !== 'callbacks' || parts[1] !== 'events' || parts[2] !== 'v1') return undefined;
  const [, , , accountId, databaseId, kind, action] = parts as [string, string, string, string, string, string, string];
  if (kind !== 'profile' && kind !== 'subprofile') return undefined;
  if (action !== 'create' && action !== 'update' && action !== 'delete') return undefined;
  return { accountId, databaseId, kind, action };
}

/** Headers the system sets on its own messages. */
export const HEADERS = {
  contentType: 'Content-Type',
  msgId: 'Nats-Msg-Id',
  deadLetterReason: 'Callbacks-Dead-Letter-Reason',
  originalSubject: 'Callbacks-Original-Subject',
  originalSequence: 'Callbacks-Original-Sequence',
  /** Publish only if the subject's last message has this sequence (0: the subject is empty). */
  expectedLastSubjectSequence: 'Nats-Expected-Last-Subject-Sequence',
} as const;

export const CONTENT_TYPES = {
  protobuf: 'application/protobuf',
  json: 'application/json',
} as const;

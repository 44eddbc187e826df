import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  CallbackState,
  Format,
  Ordering,
  SignatureScheme,
} from '@callbacks/proto/callbacks/v1/callback';
import type { FieldComparison, RuleCondition } from '@callbacks/proto/callbacks/v1/condition';

/** A valid callback (account acct-a, database db-1, JSON, updates from the web UI), to vary per test. */
export function sampleCallback(overrides: Partial<Callback> = {}): Callback {
  return {
    id: '',
    accountId: 'acct-a',
    databaseId: 'db-1',
    collectionId: '',
    url: 'https://hooks.example.com/profile',
    format: Format.JSON,
    actions: [Action.UPDATE],
    triggers: [Origin.PUBLISHER],
    disableOnApiCalls: false,
    condition: undefined,
    state: CallbackState.UNSPECIFIED,
    deliveryPolicy: undefined,
    description: 'city changes',
    labels: { team: 'crm' },
    revision: 0,
    createTime: undefined,
    updateTime: undefined,
    stateChangeTime: undefined,
    stateReason: '',
    ordering: Ordering.UNSPECIFIED,
    signatureScheme: SignatureScheme.UNSPECIFIED,
    secrets: [],
    secretRotateTime: undefined,
    sealedSecrets: [],
    ...overrides,
  };
}

let counter = 0;

/** A valid profile update event (acct-a, db-1, from the web UI), to vary per test. */
export function sampleEvent(overrides: Partial<ProfileEvent> = {}): ProfileEvent {
  counter++;
  return {
    eventId: `evt-${process.pid}-${Date.now()}-${counter}`,
    accountId: 'acct-a',
    databaseId: 'db-1',
    collectionId: '',
    profileId: `p-${counter}`,
    subprofileId: '',
    action: Action.UPDATE,
    origin: Origin.PUBLISHER,
    occurredAt: new Date(),
    fields: { name: 'piet', city: 'Amsterdam' },
    previousFields: { city: 'Utrecht' },
    interests: [],
    previousInterests: [],
    createdAt: new Date('2020-01-01T00:00:00Z'),
    modifiedAt: new Date(),
    ...overrides,
  };
}

/** A field condition `field <comparison> value`. */
export function fieldCondition(field: string, comparison: FieldComparison, value = ''): RuleCondition {
  return {
    kind: {
      $case: 'field',
      value: {
        field,
        comparison,
        operand: { $case: 'value', value },
        values: [],
        numeric: false,
        caseSensitive: false,
      },
    },
  };
}

import { randomBytes } from 'node:crypto';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { type Condition, FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { fieldCondition, sampleCallback, sampleEvent } from '@callbacks/testing';

const rule = (name: string, conditions: ReturnType<typeof fieldCondition>[], mode = RuleMode.INCLUDE) => ({
  name,
  mode,
  disabled: false,
  conditions,
});

/**
 * A mix of what customers configure, `i` being a callback's place among its database's ten: one
 * without a condition, the others selective (as conditions are).
 */
export function mixedCondition(i: number): Condition | undefined {
  const city = `city-${i % 7}`;
  switch (i % 10) {
    case 0:
      return undefined;
    case 1:
    case 2:
      return { rules: [rule('city', [fieldCondition('city', FieldComparison.EQUALS, city)])], expression: '' };
    case 3:
    case 4:
      return {
        rules: [
          rule('a', [
            fieldCondition('name', FieldComparison.STARTS_WITH, 'pi'),
            fieldCondition('city', FieldComparison.EQUALS, 'Rotterdam'),
          ]),
          rule('b', [
            fieldCondition('city', FieldComparison.CONTAINS, 'xyz'),
            fieldCondition('age', FieldComparison.NOT_EMPTY),
          ]),
          rule('c', [fieldCondition('email', FieldComparison.ENDS_WITH, '@example.org')], RuleMode.EXCLUDE),
        ],
        expression: '',
      };
    case 5:
    case 6:
      return { rules: [], expression: `profile.fields.city == "${city}" && event.origin != "REST"` };
    case 7:
    case 8:
      return {
        rules: [rule('mail', [fieldCondition('email', FieldComparison.REGEXP, '^[a-z]+@example\\.net$')])],
        expression: '',
      };
    default: {
      const inList = fieldCondition('city', FieldComparison.IN);
      if (inList.kind?.$case === 'field')
        inList.kind.value = { ...inList.kind.value, operand: undefined, values: ['Utrecht', 'Den Haag'] };
      return { rules: [rule('in', [inList])], expression: '' };
    }
  }
}

/**
 * One rule of five field conditions, with a value of its own per callback `n` (nothing to share
 * between callbacks): the callback whose memory the scale curve measures. `i` is its place among
 * its database's ten; one of them fires for an event in city-1 or city-3.
 */
export function fiveConditionRule(n: number, i: number): Condition {
  return {
    rules: [
      rule(`segment ${n}`, [
        fieldCondition('city', FieldComparison.EQUALS, `city-${i}`),
        fieldCondition('name', FieldComparison.STARTS_WITH, 'pi'),
        fieldCondition('age', FieldComparison.NOT_EMPTY),
        fieldCondition('email', FieldComparison.ENDS_WITH, '@example.com'),
        fieldCondition('customer', FieldComparison.NOT_EQUALS, `blocked-${n}`),
      ]),
    ],
    expression: '',
  };
}

/** Callback `n` of a bench, ACTIVE as the config service stores it, in database `db-<n mod databases>`. */
export function benchCallback(n: number, databases: number, condition: Condition | undefined): Callback {
  return sampleCallback({
    id: `cb_bench${String(n).padStart(7, '0')}`,
    databaseId: `db-${n % databases}`,
    actions: [],
    triggers: [],
    state: CallbackState.ACTIVE,
    revision: 1,
    condition,
  });
}

const cities = ['Amsterdam', 'Rotterdam', 'city-1', 'city-3', 'Utrecht'];

/** Event `n` of a run, for database `db-<database>`. */
export function benchEvent(n: number, database: number): ProfileEvent {
  return sampleEvent({
    eventId: `bench-${randomBytes(8).toString('hex')}`,
    databaseId: `db-${database}`,
    action: Action.UPDATE,
    origin: n % 3 === 0 ? Origin.REST : Origin.PUBLISHER,
    fields: {
      name: n % 2 ? 'piet' : 'klaas',
      city: cities[n % cities.length]!,
      age: String(20 + (n % 50)),
      email: n % 4 ? 'piet@example.com' : 'klaas@example.org',
      customer: `c-${n}`,
    },
  });
}

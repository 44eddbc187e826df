import { describe, expect, it } from 'vitest';
import { toEvaluationInput } from './evaluation-input';
import {
  change,
  ChangeKind,
  compareFields,
  compiled,
  condition,
  DateComparison,
  dateRelative,
  event,
  excluding,
  field,
  FieldComparison as F,
  interest,
  InterestCheck,
  interests,
  Origin,
  rule,
  TimeUnit,
} from './test-fixtures';

const piet = event({ fields: { name: 'Piet', city: 'Breda' } });

describe('explain', () => {
  it('says which rule held and which condition failed first', () => {
    const value = condition([
      rule([field('name', F.EQUALS, 'piet'), field('city', F.EQUALS, 'utrecht'), field('age', F.NOT_EMPTY)], {
        name: 'utrecht',
      }),
      rule([field('name', F.STARTS_WITH, 'p')], { name: 'p-names' }),
      excluding([field('city', F.EQUALS, 'amsterdam')], { name: 'not amsterdam' }),
      rule([], { name: 'off', disabled: true }),
    ]);
    expect(compiled(value).explain(toEvaluationInput(piet))).toEqual({
      matches: true,
      rules: [
        {
          index: 0,
          name: 'utrecht',
          excluding: false,
          disabled: false,
          held: false,
          failedCondition: { index: 1, description: 'field "city" equals "utrecht"' },
        },
        { index: 1, name: 'p-names', excluding: false, disabled: false, held: true },
        {
          index: 2,
          name: 'not amsterdam',
          excluding: true,
          disabled: false,
          held: false,
          failedCondition: { index: 0, description: 'field "city" equals "amsterdam"' },
        },
        { index: 3, name: 'off', excluding: false, disabled: true, held: true },
      ],
      summary: 'fires: rules[1] "p-names" holds and no excluding rule holds',
    });
  });

  it.each([
    [condition([rule([field('name', F.EQUALS, 'jan')])]), 'does not fire: no including rule holds'],
    [
      condition([excluding([field('city', F.EQUALS, 'breda')], { name: 'no Breda' })]),
      'does not fire: excluding rules[0] "no Breda" holds',
    ],
    [condition([]), 'fires: there are no including rules'],
    [condition([], 'event.origin == "REST"'), 'does not fire: the expression is false'],
    [condition([rule([])], 'profile.fields.name == "Piet"'), 'fires: rules[0] holds, and the expression is true'],
    [
      condition([], 'int(profile.fields.city) > 1'),
      'does not fire: the expression could not be evaluated (Cannot convert Breda to a BigInt)',
    ],
  ])('summarises %#', (value, summary) => {
    expect(compiled(value).explain(toEvaluationInput(piet)).summary).toBe(summary);
  });

  it('reports the expression only when the rules let it decide', () => {
    const value = condition([rule([field('name', F.EQUALS, 'jan')])], 'true');
    expect(compiled(value).explain(toEvaluationInput(piet)).expression).toBeUndefined();
    const expression = compiled(condition([], 'event.origin == "REST"')).explain(
      toEvaluationInput(event({ origin: Origin.REST })),
    ).expression;
    expect(expression).toEqual({ source: 'event.origin == "REST"', result: true });
  });

  it.each([
    [field('age', F.LESS, '18', { numeric: true }), 'field "age" is less than "18" (as numbers)'],
    [field('name', F.CONTAINS, 'PI', { caseSensitive: true }), 'field "name" contains "PI" (case-sensitive)'],
    [compareFields('name', F.NOT_EQUALS, 'nickname'), 'field "name" does not equal field "nickname"'],
    [
      field('city', F.IN, undefined, { values: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }),
      'field "city" is one of "a", "b", "c", "d", "e" and 2 more',
    ],
    [field('email', F.IS_EMAIL), 'field "email" is an e-mail address'],
    [field('name', F.REGEXP, '^x'), 'field "name" matches the regular expression "^x"'],
    [
      change(ChangeKind.FIELD_CHANGED, { field: 'city', from: 'a', to: 'b' }),
      'an update changed field "city" from "a" to "b"',
    ],
    [
      change(ChangeKind.INTEREST_GAINED, { interest: 'sport', group: 'hobby' }),
      'an update added interest "sport" in group "hobby"',
    ],
    [change(ChangeKind.IS_CREATE), 'the event is a create'],
    [interest(InterestCheck.LACKS, 'sport'), 'the profile lacks interest "sport"'],
    [interest(InterestCheck.HAS_NONE_IN_GROUP, '', 'work'), 'the profile has no interest in group "work"'],
    [
      dateRelative('birthday', DateComparison.SAME_DAY, -3, TimeUnit.DAY, TimeUnit.DAY, true),
      'field "birthday" is on the same day as the event time minus 3 days, floored to the day, ignoring the year',
    ],
    [
      dateRelative('d', DateComparison.AFTER, 1, TimeUnit.WEEK, TimeUnit.UNSPECIFIED),
      'field "d" is after the event time plus 1 week',
    ],
  ])('describes a condition %#', (failing, description) => {
    // Every condition above fails on this event, so the explanation names it.
    const sample = event({
      fields: { name: 'Piet', nickname: 'piet', age: '30', city: 'z', email: 'nope' },
      interests: interests('hobby/sport', 'work/email'),
      previousInterests: interests('hobby/sport', 'work/email'),
    });
    const explanation = compiled(condition([rule([failing])])).explain(toEvaluationInput(sample));
    expect(explanation.rules[0]?.failedCondition).toEqual({ index: 0, description });
  });
});

import { describe, expect, it } from 'vitest';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Condition, RuleCondition } from '@callbacks/proto/callbacks/v1/condition';
import {
  Action,
  change,
  ChangeKind,
  compareFields,
  condition,
  dateAbsolute,
  DateComparison,
  dateRelative,
  event,
  excluding,
  field,
  FieldComparison as F,
  interest,
  InterestCheck,
  interests,
  matches,
  Origin,
  rule,
  TimeUnit,
} from './test-fixtures';

/** A condition of one rule with one condition, the shape of most cases. */
const one = (c: RuleCondition): Condition => condition([rule([c])]);
const withFields = (fields: Record<string, string>, overrides: Partial<ProfileEvent> = {}) =>
  event({ fields, ...overrides });

interface Case {
  readonly name: string;
  readonly condition: Condition | undefined;
  readonly event: ProfileEvent;
  readonly fires: boolean;
}

const fieldCases: Case[] = [
  // The original product's example: call the callback only for profiles named "piet".
  {
    name: 'piet: the name is piet',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'piet' }),
    fires: true,
  },
  {
    name: 'piet: case-insensitive by default',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'Piet' }),
    fires: true,
  },
  {
    name: 'piet: upper case',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'PIET' }),
    fires: true,
  },
  {
    name: 'piet: another name',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'Jan' }),
    fires: false,
  },
  {
    name: 'piet: not a prefix match',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'pietje' }),
    fires: false,
  },
  {
    name: 'case-sensitive EQUALS differs in case',
    condition: one(field('name', F.EQUALS, 'piet', { caseSensitive: true })),
    event: withFields({ name: 'Piet' }),
    fires: false,
  },
  {
    name: 'case-sensitive EQUALS same case',
    condition: one(field('name', F.EQUALS, 'piet', { caseSensitive: true })),
    event: withFields({ name: 'piet' }),
    fires: true,
  },
  {
    name: 'missing field equals the empty string',
    condition: one(field('name', F.EQUALS, '')),
    event: withFields({}),
    fires: true,
  },
  {
    name: 'empty field equals the empty string',
    condition: one(field('name', F.EQUALS, '')),
    event: withFields({ name: '' }),
    fires: true,
  },
  {
    name: 'missing field does not equal piet',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({}),
    fires: false,
  },
  {
    name: 'a field named like an Object property is missing',
    condition: one(field('constructor', F.EMPTY)),
    event: withFields({}),
    fires: true,
  },
  {
    name: 'numeric EQUALS 1.0 = 1',
    condition: one(field('n', F.EQUALS, '1', { numeric: true })),
    event: withFields({ n: '1.0' }),
    fires: true,
  },
  {
    name: 'numeric EQUALS non-numeric never equals',
    condition: one(field('n', F.EQUALS, '1', { numeric: true })),
    event: withFields({ n: 'one' }),
    fires: false,
  },
  {
    name: 'EQUALS another field, case-insensitively',
    condition: one(compareFields('name', F.EQUALS, 'nickname')),
    event: withFields({ name: 'Piet', nickname: 'piet' }),
    fires: true,
  },
  {
    name: 'unicode: STRASSE equals straße',
    condition: one(field('street', F.EQUALS, 'straße')),
    event: withFields({ street: 'STRASSE' }),
    fires: true,
  },
  {
    name: 'unicode: capital sharp s equals ss',
    condition: one(field('street', F.EQUALS, 'strasse')),
    event: withFields({ street: 'STRAẞE' }),
    fires: true,
  },
  {
    name: 'unicode: final sigma',
    condition: one(field('word', F.EQUALS, 'οδος')),
    event: withFields({ word: 'ΟΔΟΣ' }),
    fires: true,
  },
  {
    name: 'unicode: composed and decomposed é',
    condition: one(field('name', F.EQUALS, 'ren\u00e9')),
    event: withFields({ name: 'RENE\u0301' }),
    fires: true,
  },
  {
    name: 'unicode: Kelvin sign folds to k',
    condition: one(field('unit', F.EQUALS, 'k')),
    event: withFields({ unit: '\u212a' }),
    fires: true,
  },
  {
    name: 'unicode: accents still matter',
    condition: one(field('name', F.EQUALS, 'rene')),
    event: withFields({ name: 'René' }),
    fires: false,
  },
  {
    name: 'NOT_EQUALS another name',
    condition: one(field('name', F.NOT_EQUALS, 'piet')),
    event: withFields({ name: 'Jan' }),
    fires: true,
  },
  {
    name: 'NOT_EQUALS same name other case',
    condition: one(field('name', F.NOT_EQUALS, 'piet')),
    event: withFields({ name: 'Piet' }),
    fires: false,
  },
  {
    name: 'NOT_EQUALS on a missing field',
    condition: one(field('name', F.NOT_EQUALS, 'piet')),
    event: withFields({}),
    fires: true,
  },
  {
    name: 'numeric NOT_EQUALS holds for a non-number',
    condition: one(field('n', F.NOT_EQUALS, '1', { numeric: true })),
    event: withFields({ n: 'one' }),
    fires: true,
  },
  {
    name: 'CONTAINS case-insensitively',
    condition: one(field('name', F.CONTAINS, 'TER')),
    event: withFields({ name: 'Pietersen' }),
    fires: true,
  },
  {
    name: 'CONTAINS case-sensitively',
    condition: one(field('name', F.CONTAINS, 'TER', { caseSensitive: true })),
    event: withFields({ name: 'Pietersen' }),
    fires: false,
  },
  {
    name: 'NOT_CONTAINS',
    condition: one(field('name', F.NOT_CONTAINS, 'x')),
    event: withFields({ name: 'Pietersen' }),
    fires: true,
  },
  {
    name: 'CONTAINS the empty string holds on a missing field',
    condition: one(field('name', F.CONTAINS, '')),
    event: withFields({}),
    fires: true,
  },
  {
    name: 'text LESS',
    condition: one(field('name', F.LESS, 'banana')),
    event: withFields({ name: 'apple' }),
    fires: true,
  },
  {
    name: 'text LESS ignores case',
    condition: one(field('name', F.LESS, 'apricot')),
    event: withFields({ name: 'Apple' }),
    fires: true,
  },
  {
    name: 'text LESS compares text, not numbers',
    condition: one(field('n', F.LESS, '10')),
    event: withFields({ n: '9' }),
    fires: false,
  },
  {
    name: 'numeric LESS 9 < 10',
    condition: one(field('n', F.LESS, '10', { numeric: true })),
    event: withFields({ n: '9' }),
    fires: true,
  },
  {
    name: 'numeric LESS non-number',
    condition: one(field('n', F.LESS, '10', { numeric: true })),
    event: withFields({ n: 'abc' }),
    fires: false,
  },
  {
    name: 'numeric MORE non-number',
    condition: one(field('n', F.MORE, '10', { numeric: true })),
    event: withFields({ n: 'abc' }),
    fires: false,
  },
  {
    name: 'numeric LESS empty field',
    condition: one(field('n', F.LESS, '10', { numeric: true })),
    event: withFields({ n: '' }),
    fires: false,
  },
  {
    name: 'numeric MORE negative numbers',
    condition: one(field('n', F.MORE, '-10', { numeric: true })),
    event: withFields({ n: '-5' }),
    fires: true,
  },
  {
    name: 'numeric MORE trims white space',
    condition: one(field('n', F.MORE, '41', { numeric: true })),
    event: withFields({ n: ' 42 ' }),
    fires: true,
  },
  {
    name: 'numeric MORE exponent',
    condition: one(field('n', F.MORE, '999', { numeric: true })),
    event: withFields({ n: '1e3' }),
    fires: true,
  },
  {
    name: 'numeric: a decimal comma is not a number',
    condition: one(field('n', F.MORE, '1', { numeric: true })),
    event: withFields({ n: '1,5' }),
    fires: false,
  },
  {
    name: 'numeric LESS another field',
    condition: one(compareFields('age', F.LESS, 'limit', { numeric: true })),
    event: withFields({ age: '17', limit: '18' }),
    fires: true,
  },
  {
    name: 'IS_EMAIL valid',
    condition: one(field('email', F.IS_EMAIL)),
    event: withFields({ email: 'piet@example.com' }),
    fires: true,
  },
  {
    name: 'IS_EMAIL without top-level domain',
    condition: one(field('email', F.IS_EMAIL)),
    event: withFields({ email: 'piet@example' }),
    fires: false,
  },
  {
    name: 'IS_EMAIL empty',
    condition: one(field('email', F.IS_EMAIL)),
    event: withFields({ email: '' }),
    fires: false,
  },
  {
    name: 'IS_EMAIL internationalised domain',
    condition: one(field('email', F.IS_EMAIL)),
    event: withFields({ email: 'piet@exämple.nl' }),
    fires: true,
  },
  {
    name: 'IS_EMAIL with a space',
    condition: one(field('email', F.IS_EMAIL)),
    event: withFields({ email: 'pi et@example.com' }),
    fires: false,
  },
  { name: 'IS_NUMERIC integer', condition: one(field('n', F.IS_NUMERIC)), event: withFields({ n: '42' }), fires: true },
  {
    name: 'IS_NUMERIC exponent',
    condition: one(field('n', F.IS_NUMERIC)),
    event: withFields({ n: '4.2e1' }),
    fires: true,
  },
  { name: 'IS_NUMERIC empty', condition: one(field('n', F.IS_NUMERIC)), event: withFields({ n: '' }), fires: false },
  {
    name: 'IS_NUMERIC hex is not a number',
    condition: one(field('n', F.IS_NUMERIC)),
    event: withFields({ n: '0x10' }),
    fires: false,
  },
  {
    name: 'REGEXP case-insensitive by default',
    condition: one(field('name', F.REGEXP, '^p.*t$')),
    event: withFields({ name: 'Piet' }),
    fires: true,
  },
  {
    name: 'REGEXP case-sensitive',
    condition: one(field('name', F.REGEXP, '^p.*t$', { caseSensitive: true })),
    event: withFields({ name: 'Piet' }),
    fires: false,
  },
  {
    name: 'REGEXP matches anywhere unless anchored',
    condition: one(field('name', F.REGEXP, 'ie')),
    event: withFields({ name: 'piet' }),
    fires: true,
  },
  {
    name: 'STARTS_WITH',
    condition: one(field('name', F.STARTS_WITH, 'piet')),
    event: withFields({ name: 'Pietersen' }),
    fires: true,
  },
  {
    name: 'ENDS_WITH',
    condition: one(field('name', F.ENDS_WITH, 'SEN')),
    event: withFields({ name: 'Pietersen' }),
    fires: true,
  },
  {
    name: 'STARTS_WITH case-sensitive',
    condition: one(field('name', F.STARTS_WITH, 'piet', { caseSensitive: true })),
    event: withFields({ name: 'Pietersen' }),
    fires: false,
  },
  { name: 'EMPTY on a missing field', condition: one(field('name', F.EMPTY)), event: withFields({}), fires: true },
  {
    name: 'EMPTY on the empty string',
    condition: one(field('name', F.EMPTY)),
    event: withFields({ name: '' }),
    fires: true,
  },
  {
    name: 'EMPTY: a space is not empty',
    condition: one(field('name', F.EMPTY)),
    event: withFields({ name: ' ' }),
    fires: false,
  },
  { name: 'NOT_EMPTY', condition: one(field('name', F.NOT_EMPTY)), event: withFields({ name: 'x' }), fires: true },
  {
    name: 'NOT_EMPTY on a missing field',
    condition: one(field('name', F.NOT_EMPTY)),
    event: withFields({}),
    fires: false,
  },
  {
    name: 'IN one of the values',
    condition: one(field('city', F.IN, undefined, { values: ['amsterdam', 'utrecht'] })),
    event: withFields({ city: 'Utrecht' }),
    fires: true,
  },
  {
    name: 'IN none of the values',
    condition: one(field('city', F.IN, undefined, { values: ['amsterdam', 'utrecht'] })),
    event: withFields({ city: 'Breda' }),
    fires: false,
  },
  {
    name: 'IN numeric',
    condition: one(field('n', F.IN, undefined, { values: ['7', '8'], numeric: true })),
    event: withFields({ n: '007' }),
    fires: true,
  },
  {
    name: 'IN case-sensitive',
    condition: one(field('city', F.IN, undefined, { values: ['Utrecht'], caseSensitive: true })),
    event: withFields({ city: 'utrecht' }),
    fires: false,
  },
];

const changeCases: Case[] = [
  {
    name: 'ANY_FIELD_CHANGED on an update that changed a field',
    condition: one(change(ChangeKind.ANY_FIELD_CHANGED)),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Amsterdam' } }),
    fires: true,
  },
  {
    name: 'ANY_FIELD_CHANGED when the previous values are the same',
    condition: one(change(ChangeKind.ANY_FIELD_CHANGED)),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Utrecht' } }),
    fires: false,
  },
  {
    name: 'ANY_FIELD_CHANGED on a create',
    condition: one(change(ChangeKind.ANY_FIELD_CHANGED)),
    event: withFields({ city: 'Utrecht' }, { action: Action.CREATE, previousFields: { city: 'x' } }),
    fires: false,
  },
  {
    name: 'FIELD_CHANGED',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city' })),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Amsterdam' } }),
    fires: true,
  },
  {
    name: 'FIELD_CHANGED: another field changed',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city' })),
    event: withFields({ city: 'Utrecht', name: 'b' }, { previousFields: { name: 'a' } }),
    fires: false,
  },
  {
    name: 'FIELD_CHANGED: a change of case is a change',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city' })),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'utrecht' } }),
    fires: true,
  },
  {
    name: 'FIELD_CHANGED from/to',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city', from: 'amsterdam', to: 'UTRECHT' })),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Amsterdam' } }),
    fires: true,
  },
  {
    name: 'FIELD_CHANGED to another value',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city', to: 'breda' })),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Amsterdam' } }),
    fires: false,
  },
  {
    name: 'FIELD_CHANGED from, case-sensitive',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city', from: 'amsterdam', caseSensitive: true })),
    event: withFields({ city: 'Utrecht' }, { previousFields: { city: 'Amsterdam' } }),
    fires: false,
  },
  {
    name: 'FIELD_CHANGED: a cleared field changed to empty',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'city', to: '' })),
    event: withFields({}, { previousFields: { city: 'Amsterdam' } }),
    fires: true,
  },
  {
    name: 'IS_CREATE on a create',
    condition: one(change(ChangeKind.IS_CREATE)),
    event: event({ action: Action.CREATE }),
    fires: true,
  },
  {
    name: 'IS_UPDATE on a create',
    condition: one(change(ChangeKind.IS_UPDATE)),
    event: event({ action: Action.CREATE }),
    fires: false,
  },
  {
    name: 'IS_DELETE on a delete',
    condition: one(change(ChangeKind.IS_DELETE)),
    event: event({ action: Action.DELETE }),
    fires: true,
  },
  {
    name: 'INTEREST_GAINED',
    condition: one(change(ChangeKind.INTEREST_GAINED, { interest: 'Sport' })),
    event: event({ interests: interests('sport'), previousInterests: [] }),
    fires: true,
  },
  {
    name: 'INTEREST_GAINED: already had it',
    condition: one(change(ChangeKind.INTEREST_GAINED, { interest: 'sport' })),
    event: event({ interests: interests('sport'), previousInterests: interests('sport') }),
    fires: false,
  },
  {
    name: 'INTEREST_GAINED in a group',
    condition: one(change(ChangeKind.INTEREST_GAINED, { interest: 'sport', group: 'hobby' })),
    event: event({ interests: interests('hobby/sport'), previousInterests: interests('work/sport') }),
    fires: true,
  },
  {
    name: 'INTEREST_GAINED in another group',
    condition: one(change(ChangeKind.INTEREST_GAINED, { interest: 'sport', group: 'work' })),
    event: event({ interests: interests('hobby/sport') }),
    fires: false,
  },
  {
    name: 'INTEREST_GAINED on a create',
    condition: one(change(ChangeKind.INTEREST_GAINED, { interest: 'sport' })),
    event: event({ action: Action.CREATE, interests: interests('sport') }),
    fires: false,
  },
  {
    name: 'INTEREST_LOST',
    condition: one(change(ChangeKind.INTEREST_LOST, { interest: 'music' })),
    event: event({ interests: interests('sport'), previousInterests: interests('sport', 'music') }),
    fires: true,
  },
];

const interestCases: Case[] = [
  {
    name: 'HAS, case-insensitively',
    condition: one(interest(InterestCheck.HAS, 'SPORT')),
    event: event({ interests: interests('hobby/sport') }),
    fires: true,
  },
  {
    name: 'HAS in its group',
    condition: one(interest(InterestCheck.HAS, 'sport', 'Hobby')),
    event: event({ interests: interests('hobby/sport') }),
    fires: true,
  },
  {
    name: 'HAS in another group',
    condition: one(interest(InterestCheck.HAS, 'sport', 'work')),
    event: event({ interests: interests('hobby/sport') }),
    fires: false,
  },
  {
    name: 'LACKS',
    condition: one(interest(InterestCheck.LACKS, 'music')),
    event: event({ interests: interests('sport') }),
    fires: true,
  },
  {
    name: 'HAS_ANY_IN_GROUP',
    condition: one(interest(InterestCheck.HAS_ANY_IN_GROUP, '', 'hobby')),
    event: event({ interests: interests('hobby/sport') }),
    fires: true,
  },
  {
    name: 'HAS_NONE_IN_GROUP',
    condition: one(interest(InterestCheck.HAS_NONE_IN_GROUP, '', 'work')),
    event: event({ interests: interests('hobby/sport') }),
    fires: true,
  },
  {
    name: 'HAS_NONE_IN_GROUP when there is one',
    condition: one(interest(InterestCheck.HAS_NONE_IN_GROUP, '', 'hobby')),
    event: event({ interests: interests('hobby/sport') }),
    fires: false,
  },
];

// The event time is Saturday 2024-06-15 12:00:00 UTC unless the case says otherwise.
const at = (iso: string) => ({ occurredAt: new Date(iso) });
const dateCases: Case[] = [
  {
    name: 'date BEFORE an absolute date',
    condition: one(dateAbsolute('birthday', DateComparison.BEFORE, '2000-01-01')),
    event: withFields({ birthday: '1990-05-10' }),
    fires: true,
  },
  {
    name: 'datetime AFTER an absolute datetime',
    condition: one(dateAbsolute('seen', DateComparison.AFTER, '2024-06-15 12:00:00')),
    event: withFields({ seen: '2024-06-15 13:00:00' }),
    fires: true,
  },
  {
    name: 'a date that does not exist never matches',
    condition: one(dateAbsolute('d', DateComparison.BEFORE, '2030-01-01')),
    event: withFields({ d: '2024-02-30' }),
    fires: false,
  },
  {
    name: 'an empty date never matches',
    condition: one(dateAbsolute('d', DateComparison.AFTER, '1900-01-01')),
    event: withFields({ d: '' }),
    fires: false,
  },
  {
    name: 'a date in another format never matches',
    condition: one(dateAbsolute('d', DateComparison.AFTER, '1900-01-01')),
    event: withFields({ d: '15-06-2024' }),
    fires: false,
  },
  {
    name: 'SAME_DAY as the event time',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, 0, TimeUnit.UNSPECIFIED, TimeUnit.DAY)),
    event: withFields({ d: '2024-06-15' }),
    fires: true,
  },
  {
    name: 'SAME_DAY as now minus 3 days',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, -3, TimeUnit.DAY, TimeUnit.DAY)),
    event: withFields({ d: '2024-06-12 08:00:00' }),
    fires: true,
  },
  {
    name: 'BEFORE now minus 3 days floored to the day',
    condition: one(dateRelative('d', DateComparison.BEFORE, -3, TimeUnit.DAY, TimeUnit.DAY)),
    event: withFields({ d: '2024-06-11 23:59:59' }),
    fires: true,
  },
  {
    name: 'not BEFORE the floored day itself',
    condition: one(dateRelative('d', DateComparison.BEFORE, -3, TimeUnit.DAY, TimeUnit.DAY)),
    event: withFields({ d: '2024-06-12 00:00:00' }),
    fires: false,
  },
  {
    name: 'birthday today, ignoring the year',
    condition: one(dateRelative('birthday', DateComparison.SAME_DAY, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ birthday: '1990-06-15' }),
    fires: true,
  },
  {
    name: 'birthday another day, ignoring the year',
    condition: one(dateRelative('birthday', DateComparison.SAME_DAY, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ birthday: '1990-06-16' }),
    fires: false,
  },
  {
    name: 'leap-day birthday on 28 Feb of a common year',
    condition: one(dateRelative('birthday', DateComparison.SAME_DAY, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ birthday: '1992-02-29' }, at('2023-02-28T09:00:00Z')),
    fires: true,
  },
  {
    name: 'leap-day birthday not on 28 Feb of a leap year',
    condition: one(dateRelative('birthday', DateComparison.SAME_DAY, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ birthday: '1992-02-29' }, at('2024-02-28T09:00:00Z')),
    fires: false,
  },
  {
    name: 'leap-day birthday on 29 Feb of a leap year',
    condition: one(dateRelative('birthday', DateComparison.SAME_DAY, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ birthday: '1992-02-29' }, at('2024-02-29T09:00:00Z')),
    fires: true,
  },
  {
    name: 'anniversary BEFORE today, ignoring the year',
    condition: one(dateRelative('since', DateComparison.BEFORE, 0, TimeUnit.DAY, TimeUnit.DAY, true)),
    event: withFields({ since: '2001-03-01 10:00:00' }),
    fires: true,
  },
  {
    name: 'SAME_DAY as the start of the month',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, 0, TimeUnit.UNSPECIFIED, TimeUnit.MONTH)),
    event: withFields({ d: '2024-06-01' }),
    fires: true,
  },
  {
    name: 'AFTER the start of last month',
    condition: one(dateRelative('d', DateComparison.AFTER, -1, TimeUnit.MONTH, TimeUnit.MONTH)),
    event: withFields({ d: '2024-05-01 00:00:01' }),
    fires: true,
  },
  {
    name: 'not AFTER the start of last month',
    condition: one(dateRelative('d', DateComparison.AFTER, -1, TimeUnit.MONTH, TimeUnit.MONTH)),
    event: withFields({ d: '2024-04-30' }),
    fires: false,
  },
  {
    name: 'a month back from 31 March is 29 February',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, -1, TimeUnit.MONTH, TimeUnit.UNSPECIFIED)),
    event: withFields({ d: '2024-02-29' }, at('2024-03-31T12:00:00Z')),
    fires: true,
  },
  {
    name: 'weeks start on Monday',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, 0, TimeUnit.UNSPECIFIED, TimeUnit.WEEK)),
    event: withFields({ d: '2024-06-10' }),
    fires: true,
  },
  {
    name: 'SAME_DAY as the start of the year',
    condition: one(dateRelative('d', DateComparison.SAME_DAY, 0, TimeUnit.UNSPECIFIED, TimeUnit.YEAR)),
    event: withFields({ d: '2024-01-01 23:00:00' }),
    fires: true,
  },
  {
    name: 'a relative date without an event time never matches',
    condition: one(dateRelative('d', DateComparison.BEFORE, 0, TimeUnit.DAY, TimeUnit.DAY)),
    event: withFields({ d: '1990-01-01' }, { occurredAt: undefined }),
    fires: false,
  },
];

const eventKindCases: Case[] = [
  {
    name: 'delete: fields are the last values',
    condition: one(field('name', F.EQUALS, 'piet')),
    event: withFields({ name: 'Piet' }, { action: Action.DELETE }),
    fires: true,
  },
  {
    name: 'delete: no field changed',
    condition: one(change(ChangeKind.FIELD_CHANGED, { field: 'name' })),
    event: withFields({ name: 'Piet' }, { action: Action.DELETE, previousFields: { name: 'Jan' } }),
    fires: false,
  },
  {
    name: 'subprofile: fields are the subprofile’s',
    condition: one(field('product', F.EQUALS, 'bike')),
    event: withFields({ product: 'Bike' }, { collectionId: 'c1', subprofileId: 's1' }),
    fires: true,
  },
  {
    name: 'subprofile: carries no interests, so HAS does not hold',
    condition: one(interest(InterestCheck.HAS, 'sport')),
    event: event({ collectionId: 'c1', subprofileId: 's1' }),
    fires: false,
  },
  {
    name: 'subprofile: carries no interests, so LACKS holds',
    condition: one(interest(InterestCheck.LACKS, 'sport')),
    event: event({ collectionId: 'c1', subprofileId: 's1' }),
    fires: true,
  },
];

const piet = field('name', F.EQUALS, 'piet');
const withoutNote = field('note', F.EMPTY);
const ruleCases: Case[] = [
  { name: 'no condition at all', condition: undefined, event: event(), fires: true },
  { name: 'an empty condition', condition: condition([]), event: event(), fires: true },
  { name: 'a rule without conditions holds', condition: condition([rule([])]), event: event(), fires: true },
  {
    name: 'an excluding rule that holds stops it',
    condition: condition([rule([piet]), excluding([withoutNote])]),
    event: withFields({ name: 'piet' }),
    fires: false,
  },
  {
    name: 'only an excluding rule that does not hold',
    condition: condition([excluding([piet])]),
    event: withFields({ name: 'jan' }),
    fires: true,
  },
  {
    name: 'only an excluding rule that holds',
    condition: condition([excluding([piet])]),
    event: withFields({ name: 'piet' }),
    fires: false,
  },
  {
    name: 'a disabled excluding rule is ignored',
    condition: condition([rule([piet]), excluding([withoutNote], { disabled: true })]),
    event: withFields({ name: 'piet' }),
    fires: true,
  },
  {
    name: 'a disabled including rule is ignored',
    condition: condition([rule([piet], { disabled: true })]),
    event: withFields({ name: 'jan' }),
    fires: true,
  },
  {
    name: 'the second including rule holds',
    condition: condition([rule([piet]), rule([field('name', F.EQUALS, 'jan')])]),
    event: withFields({ name: 'Jan' }),
    fires: true,
  },
  {
    name: 'all conditions of a rule must hold',
    condition: condition([rule([piet, field('city', F.EQUALS, 'utrecht')])]),
    event: withFields({ name: 'piet', city: 'Breda' }),
    fires: false,
  },
];

const expressionCases: Case[] = [
  {
    name: 'CEL: piet, not through REST',
    condition: condition([], 'profile.fields.name == "piet" && event.origin != "REST"'),
    event: withFields({ name: 'piet' }),
    fires: true,
  },
  {
    name: 'CEL: piet through REST',
    condition: condition([], 'profile.fields.name == "piet" && event.origin != "REST"'),
    event: withFields({ name: 'piet' }, { origin: Origin.REST }),
    fires: false,
  },
  {
    name: 'CEL: a missing field is the empty string',
    condition: condition([], 'profile.fields.missing == ""'),
    event: withFields({}),
    fires: true,
  },
  {
    name: 'CEL: has() sees a missing field',
    condition: condition([], 'has(profile.fields.missing)'),
    event: withFields({}),
    fires: false,
  },
  {
    name: 'CEL: subprofile fields',
    condition: condition([], 'subprofile.fields["product"] == "bike" && subprofile.collection == "c1"'),
    event: withFields({ product: 'bike' }, { collectionId: 'c1', subprofileId: 's1' }),
    fires: true,
  },
  {
    name: 'CEL: previous values and interests',
    condition: condition([], 'previous.fields.city == "Amsterdam" && "sport" in previous.interests'),
    event: withFields({}, { previousFields: { city: 'Amsterdam' }, previousInterests: interests('sport') }),
    fires: true,
  },
  {
    name: 'CEL: action and time',
    condition: condition([], 'event.action == "update" && event.time > timestamp("2024-01-01T00:00:00Z")'),
    event: event(),
    fires: true,
  },
  {
    name: 'CEL: numbers need a conversion',
    condition: condition([], 'int(profile.fields.age) >= 18'),
    event: withFields({ age: '42' }),
    fires: true,
  },
  {
    name: 'CEL: an evaluation error is false',
    condition: condition([], 'int(profile.fields.age) >= 18'),
    event: withFields({ age: 'old' }),
    fires: false,
  },
  {
    name: 'CEL: rules hold but the expression is false',
    condition: condition([rule([piet])], 'event.origin == "IMPORT"'),
    event: withFields({ name: 'piet' }),
    fires: false,
  },
];

describe('conditions, case by case', () => {
  const cases = [
    ...fieldCases,
    ...changeCases,
    ...interestCases,
    ...dateCases,
    ...eventKindCases,
    ...ruleCases,
    ...expressionCases,
  ];

  it('has at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases)('$name', ({ condition: value, event: profileEvent, fires }) => {
    expect(matches(value, profileEvent)).toBe(fires);
  });
});

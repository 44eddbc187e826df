import { describe, expect, it } from 'vitest';
import { Violations } from '@callbacks/domain';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { compileCondition } from '../compile-condition';
import { toEvaluationInput } from '../evaluation-input';
import { condition, event, interests, Origin } from '../test-fixtures';
import { compileExpression } from './expression';

function violationsOf(expression: string): { reason: string; description: string }[] {
  const result = compileCondition(condition([], expression));
  if (result.ok) throw new Error(`expected ${expression} to be rejected`);
  expect(result.violations.every((v) => v.field === 'expression')).toBe(true);
  return result.violations.map(({ reason, description }) => ({ reason, description }));
}

function evaluate(expression: string, profileEvent: ProfileEvent = event()) {
  const result = compileCondition(condition([], expression));
  if (!result.ok) throw new Error(`expected ${expression} to compile: ${JSON.stringify(result.violations)}`);
  const input = toEvaluationInput(profileEvent);
  const explanation = result.condition.explain(input);
  expect(result.condition.matches(input)).toBe(explanation.matches);
  return { matches: explanation.matches, error: explanation.expression?.error };
}

const manyInterests = (count: number) => interests(...Array.from({ length: count }, (_, i) => `interest${i}`));

describe('expression: compile-time checks', () => {
  it.each<[string, string, RegExp]>([
    ['does not parse', 'profile.fields.name ==', /^the expression does not parse: column \d+: /],
    [
      'unknown variable',
      'profiel.fields.name == "piet"',
      /unknown name 'profiel': the variables are profile, subprofile, previous, event \(at column 1\)/,
    ],
    [
      'misspelt field of a variable',
      'profile.field.name == "piet"',
      /profile has no field 'field': its fields are id, fields, interests, created, modified/,
    ],
    [
      'string compared with a number',
      'profile.fields.age > 18',
      /operator > cannot be applied to \(string, int\): field values are strings, convert with int/,
    ],
    ['string equal to a number', 'profile.fields.age == 18', /cannot compare string with int/],
    ['not in a list of another type', '1 in profile.interests', /list\(string\) cannot contain int/],
    [
      'unknown function',
      'profile.fields.name.lower() == "piet"',
      /string\.lower\(\) does not exist|unknown function 'lower'/,
    ],
    ['wrong argument type', 'profile.fields.name.startsWith(1)', /string\.startsWith\(int\) does not exist/],
    ['has() on a whole variable', 'has(profile)', /has\(\) takes a field selection/],
    ['has() of a field a record cannot have', 'has(event.color)', /event has no field 'color'/],
    [
      'message construction',
      'google.protobuf.Timestamp{seconds: 1} == event.time',
      /creating a google\.protobuf\.Timestamp message is not supported/,
    ],
    ['multi-line position', 'true &&\n  nope', /unknown name 'nope'.*\(at line 2, column 3\)/],
    ['left out as unsafe: replace', 'profile.fields.name.replace("a", "b") == "x"', /unknown function 'replace'/],
    [
      'left out as unsafe: join with a separator',
      'profile.interests.join(", ") == "x"',
      /list\(string\)\.join\(string\) does not exist/,
    ],
  ])('%s', (_name, expression, message) => {
    const [first] = violationsOf(expression);
    expect(first?.reason).toMatch(/^(INVALID_EXPRESSION|EXPRESSION_TYPE_ERROR)$/);
    expect(first?.description).toMatch(message);
  });

  it('requires a bool', () => {
    expect(violationsOf('profile.fields.name')).toEqual([
      {
        reason: 'EXPRESSION_NOT_BOOL',
        description:
          'the expression must be true or false (a bool), but it gives a string: compare it with something, e.g. profile.fields.name == "piet"',
      },
    ]);
    expect(violationsOf('1 + 2')[0]?.reason).toBe('EXPRESSION_NOT_BOOL');
  });

  it('checks a constant regular expression for RE2 and its size', () => {
    expect(violationsOf('profile.fields.name.matches("(a)\\\\1")')[0]?.reason).toBe('INVALID_REGEXP');
    expect(violationsOf(`profile.fields.name.matches("${'a'.repeat(1025)}")`)[0]?.reason).toBe('PATTERN_TOO_LONG');
  });

  it('limits the size to 4 KiB, counted in UTF-8 bytes', () => {
    const ascii = `profile.fields.name == "${'a'.repeat(4096 - 25)}"`;
    expect(ascii.length).toBe(4096);
    expect(compileCondition(condition([], ascii)).ok).toBe(true);
    expect(violationsOf(`profile.fields.name == "${'é'.repeat(2040)}"`)[0]?.reason).toBe('EXPRESSION_TOO_LONG');
  });

  it('limits the nesting depth', () => {
    expect(violationsOf(`${'['.repeat(120)}1${']'.repeat(120)} == []`)[0]?.reason).toBe('EXPRESSION_TOO_DEEP');
    // Parentheses add no node, but the parser itself gives up on this many.
    expect(violationsOf(`${'('.repeat(2000)}true${')'.repeat(2000)}`)[0]?.reason).toBe('EXPRESSION_TOO_DEEP');
  });

  it('reports at most ten problems', () => {
    expect(violationsOf(Array.from({ length: 20 }, (_, i) => `x${i}`).join(' && '))).toHaveLength(10);
  });
});

describe('expression: the variables', () => {
  const profileEvent = event({
    eventId: 'ev-7',
    accountId: 'acc-1',
    databaseId: 'db-2',
    profileId: 'p-3',
    origin: Origin.WEBFORM,
    fields: { name: 'Piet', city: 'Utrecht' },
    previousFields: { city: 'Amsterdam' },
    interests: interests('hobby/sport'),
    createdAt: new Date('2020-01-01T00:00:00Z'),
  });

  it.each<[string, boolean]>([
    ['profile.id == "p-3" && profile.fields.name == "Piet"', true],
    ['profile.fields["city"] == "Utrecht" && previous.fields.city == "Amsterdam"', true],
    ['profile.interests == ["sport"] && previous.interests == []', true],
    ['profile.created == timestamp("2020-01-01T00:00:00Z") && profile.modified > profile.created', true],
    ['event.id == "ev-7" && event.account == "acc-1" && event.database == "db-2" && event.collection == ""', true],
    ['event.action == "update" && event.origin == "WEBFORM"', true],
    ['event.time.getFullYear() == 2024 && event.time.getDayOfWeek() == 6', true],
    ['subprofile.id == "" && subprofile.fields.size() == 0', true],
    ['profile.fields.nope == "" && previous.fields.name == "" && !has(previous.fields.name)', true],
    ['profile.fields.exists(name, name == "city")', true],
    ['profile.fields.name.lowerAscii() == "piet" && profile.fields.name.matches("^p")', false],
    ['profile.fields.name.lowerAscii() == "piet" && profile.fields.name.matches("^P")', true],
    ['size(profile.fields) == 2 && profile.fields.name.size() == 4', true],
    ['profile.interests.map(i, i + "!") == ["sport!"] && profile.interests.filter(i, i == "x") == []', true],
    ['profile.interests.join() == "sport" && "a,b".split(",") == ["a", "b"] && " x ".trim() == "x"', true],
  ])('%s → %s', (expression, expected) => {
    expect(evaluate(expression, profileEvent)).toEqual({ matches: expected, error: undefined });
  });

  it('gives a subprofile event its fields under subprofile, and none under profile', () => {
    const subprofileEvent = event({ collectionId: 'c-1', subprofileId: 's-1', fields: { product: 'bike' } });
    expect(
      evaluate(
        'subprofile.fields.product == "bike" && subprofile.id == "s-1" && profile.fields.product == ""',
        subprofileEvent,
      ).matches,
    ).toBe(true);
  });

  it('shows an unknown origin as the empty string', () => {
    expect(evaluate('event.origin == ""', event({ origin: Origin.UNSPECIFIED })).matches).toBe(true);
  });
});

describe('expression: evaluation never throws', () => {
  it('turns an evaluation error into false, and explains it', () => {
    expect(evaluate('int(profile.fields.age) > 1', event({ fields: { age: 'old' } }))).toEqual({
      matches: false,
      error: expect.stringMatching(/old/),
    });
    expect(evaluate('profile.interests[3] == "x"').error).toMatch(/out of bounds/);
    expect(evaluate('1 / int(profile.fields.zero) == 1', event({ fields: { zero: '0' } })).error).toMatch(/divi/);
  });

  it('turns a dynamic pattern that is not RE2 into false', () => {
    expect(
      evaluate('profile.fields.name.matches(profile.fields.pattern)', event({ fields: { name: 'a', pattern: '(' } }))
        .error,
    ).toMatch(/not a valid RE2/);
  });

  it('copes with an event that breaks its own types', () => {
    const broken = event({
      occurredAt: new Date(Number.NaN),
      createdAt: undefined,
      fields: { age: 42 as unknown as string, name: 'piet' },
      interests: [{ name: 'sport' } as { name: string; group: string }],
    });
    expect(
      evaluate('profile.fields.age == "" && profile.fields.name == "piet" && event.time == timestamp(0)', broken),
    ).toEqual({
      matches: true,
      error: undefined,
    });
  });

  it('counts a result that is not a bool as false', () => {
    expect(evaluate('dyn(1)')).toEqual({ matches: false, error: 'the expression did not give a bool' });
  });
});

describe('expression: cost is bounded', () => {
  it('stops nested loops over many interests', () => {
    const profileEvent = event({ interests: manyInterests(300) });
    expect(evaluate('profile.interests.all(a, profile.interests.all(b, true))', profileEvent)).toEqual({
      matches: false,
      error: 'cost limit of 10000 units exceeded',
    });
  });

  it('stops strings that double at every step', () => {
    const doubling = `[profile.fields.name]${'.map(x, x + x)'.repeat(60)}.size() == 1`;
    expect(evaluate(doubling, event({ fields: { name: 'piet' } })).error).toMatch(/cost limit/);
  });

  it('lets a single loop over thousands of interests finish', () => {
    const profileEvent = event({ interests: manyInterests(2000) });
    expect(evaluate('profile.interests.exists(i, i == "interest1999")', profileEvent).matches).toBe(true);
    expect(evaluate('profile.interests.map(i, i).size() == 2000', profileEvent).matches).toBe(true);
    expect(
      evaluate('profile.interests.filter(i, i.startsWith("interest19")).size() == 111', profileEvent).matches,
    ).toBe(true);
  });

  it('starts every evaluation with a full budget', () => {
    const expensive = compileCondition(condition([], 'profile.interests.all(a, profile.interests.all(b, true))'));
    const cheap = compileCondition(condition([], 'profile.interests.exists(i, i == "interest1")'));
    if (!expensive.ok || !cheap.ok) throw new Error('expected both to compile');
    const input = toEvaluationInput(event({ interests: manyInterests(300) }));
    expect(expensive.condition.matches(input)).toBe(false);
    expect(cheap.condition.matches(input)).toBe(true);
  });
});

describe('expression: planned once per source', () => {
  const compile = (source: string) => {
    const violations = Violations.root();
    return { compiled: compileExpression(source, violations), violations: violations.all };
  };

  it('shares the plan of an expression among callbacks, and reports an invalid one every time', () => {
    const source = 'profile.fields.city == "Utrecht" && event.origin != "REST"';
    const first = compile(source).compiled;
    expect(compile(source).compiled).toBe(first);
    const input = toEvaluationInput(event({ fields: { city: 'Utrecht' }, origin: Origin.PUBLISHER }));
    expect(first?.evaluate(input).value).toBe(true);
    for (let i = 0; i < 2; i++)
      expect(compile('profile.fields.city').violations[0]?.reason).toBe('EXPRESSION_NOT_BOOL');
  });

  it('plans an expression again, alike, once 256 Ki characters of others have pushed it out', () => {
    const source = 'profile.fields.name.startsWith("pi")';
    const first = compile(source).compiled;
    for (let i = 0; i < 70; i++) compile(`profile.fields.name == "${String(i).padEnd(4_000, 'x')}"`);
    const again = compile(source).compiled;
    expect(again).not.toBe(first);
    const input = toEvaluationInput(event({ fields: { name: 'piet' } }));
    expect([again?.evaluate(input).value, again?.source]).toEqual([true, source]);
  });
});

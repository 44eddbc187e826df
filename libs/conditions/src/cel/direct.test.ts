import { parse, plan } from '@bufbuild/cel';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { compileCondition } from '../compile-condition';
import { toEvaluationInput } from '../evaluation-input';
import { Action, condition, event, Origin } from '../test-fixtures';
import { checkExpression } from './checker';
import { meter } from './cost';
import { compileDirect } from './direct';
import { CEL_ENVIRONMENT, SIGNATURES } from './functions';
import { celVariables, VARIABLE_TYPES } from './variables';

/** An expression checked as compileExpression checks it, evaluated directly and by the library (every cost unit counted). */
function bothWays(source: string, profileEvent: ProfileEvent) {
  const parsed = parse(source);
  const { problems } = checkExpression(parsed.expr, { variables: VARIABLE_TYPES, functions: SIGNATURES });
  expect(problems).toEqual([]);
  const direct = compileDirect(parsed.expr);
  const program = plan(CEL_ENVIRONMENT, parsed.expr);
  const input = toEvaluationInput(profileEvent);
  let cost = 0;
  const charge = vi.spyOn(meter, 'charge').mockImplementation((units) => void (cost += units));
  const value = program(celVariables(input));
  charge.mockRestore();
  return {
    compiled: direct !== undefined,
    direct: direct?.(toEvaluationInput(profileEvent)),
    library: { value, cost },
  };
}

afterEach(() => vi.restoreAllMocks());

// Small alphabets, so that equal values, prefixes and suffixes actually occur; long values cost more than one unit.
const FIELD_NAMES = ['name', 'city', 'x'];
const TEXTS = ['', 'piet', 'Piet', 'pi', 'et', 'é', 'REST', 'PUBLISHER', 'update', 'a'.repeat(70), 'a'.repeat(200)];
const quoted = (text: string) => JSON.stringify(text);

const textTerm = fc.oneof(
  fc
    .tuple(fc.constantFrom('profile', 'subprofile', 'previous'), fc.constantFrom(...FIELD_NAMES))
    .map(([variable, name]) => `${variable}.fields.${name}`),
  fc.constantFrom(...FIELD_NAMES).map((name) => `profile.fields[${quoted(name)}]`),
  fc.constantFrom(
    'event.origin',
    'event.action',
    'event.id',
    'event.account',
    'event.database',
    'event.collection',
    'profile.id',
    'subprofile.id',
    'subprofile.collection',
  ),
  fc.constantFrom(...TEXTS).map(quoted),
);

const { expression } = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(textTerm, fc.constantFrom('==', '!='), textTerm).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc
      .tuple(textTerm, fc.array(fc.constantFrom(...TEXTS), { maxLength: 4 }))
      .map(([a, list]) => `${a} in [${list.map(quoted).join(', ')}]`),
    fc
      .tuple(textTerm, fc.constantFrom('startsWith', 'endsWith', 'contains'), textTerm)
      .map(([a, method, b]) => `${a}.${method}(${b})`),
    fc.constantFrom('true', 'false'),
    tie('expression').map((inner) => `!(${inner})`),
    fc
      .tuple(tie('expression'), fc.constantFrom('&&', '||'), tie('expression'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
  ),
}));

const fields = fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.constantFrom(...TEXTS), { maxKeys: 3 });
const profileEvent = fc
  .record({
    subprofile: fc.boolean(),
    fields,
    previousFields: fields,
    origin: fc.constantFrom(Origin.PUBLISHER, Origin.REST, Origin.UNSPECIFIED, 99 as Origin),
    action: fc.constantFrom(Action.CREATE, Action.UPDATE, 99 as Action),
    eventId: fc.constantFrom(...TEXTS),
  })
  .map(({ subprofile, ...rest }) =>
    event({ ...rest, subprofileId: subprofile ? 's1' : '', collectionId: subprofile ? 'orders' : '' }),
  );

describe('direct evaluation', () => {
  it('gives what the library gives, at the same cost, for comparisons of text joined by &&, || and !', () => {
    fc.assert(
      fc.property(expression, profileEvent, (source, profile) => {
        const { compiled, direct, library } = bothWays(source, profile);
        expect(compiled).toBe(true);
        expect(direct).toEqual(library);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves other expressions to the library', () => {
    for (const source of [
      'int(profile.fields.age) > 1',
      'profile.interests.exists(i, i == "sport")',
      'event.time == timestamp(0)',
      'has(profile.fields.city)',
      'profile.fields.name.matches("^p")',
      'size(profile.fields.name) == 4',
      'profile.fields.name + "x" == "pietx"',
      'profile.fields.name in [profile.fields.city]',
      'profile.fields.name == "piet" && profile.interests.size() == 0',
    ]) {
      expect(bothWays(source, event()).compiled, source).toBe(false);
    }
  });

  it('hands an event that breaks its own types back to the library', () => {
    const broken = event({ fields: { age: 42 as unknown as string }, profileId: undefined as unknown as string });
    expect(bothWays('profile.fields.age == ""', broken)).toMatchObject({
      compiled: true,
      direct: undefined,
      library: { value: true },
    });
    expect(bothWays('profile.id == ""', broken)).toMatchObject({ compiled: true, direct: undefined });
    expect(compileCondition(condition([], 'profile.fields.age == ""'))).toMatchObject({ ok: true });
  });

  it('stops at the cost limit as the library does', () => {
    const big = event({ fields: { big: 'x'.repeat(64 * 1024) } });
    // Each comparison reads two fields (2 units) and compares 2 × 1024 units of text (+1).
    const comparisons = (n: number) =>
      Array.from({ length: n }, () => 'profile.fields.big == profile.fields.big').join(' && ');
    const compile = (source: string) => {
      const result = compileCondition(condition([], source));
      if (!result.ok) throw new Error(`expected ${source} to compile`);
      return result.condition;
    };
    expect(bothWays(comparisons(5), big).direct).toEqual({ value: true, cost: 5 * 2051 });
    expect(compile(comparisons(4)).explain(toEvaluationInput(big)).expression).toEqual({
      source: comparisons(4),
      result: true,
    });
    expect(compile(comparisons(5)).explain(toEvaluationInput(big)).expression).toEqual({
      source: comparisons(5),
      result: false,
      error: 'cost limit of 10000 units exceeded',
    });
  });
});

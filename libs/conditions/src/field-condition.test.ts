import { describe, expect, it } from 'vitest';
import { Violations } from '@callbacks/domain';
import type { FieldCondition } from '@callbacks/proto/callbacks/v1/condition';
import { toEvaluationInput } from './evaluation-input';
import { compileFieldCondition } from './field-condition';
import { event, field, FieldComparison as F } from './test-fixtures';

const fieldCondition = (...args: Parameters<typeof field>): FieldCondition => {
  const kind = field(...args).kind;
  if (kind?.$case !== 'field') throw new Error('not a field condition');
  return kind.value;
};

const compile = (condition: FieldCondition) => {
  const violations = Violations.root();
  return { compiled: compileFieldCondition(condition, violations), violations: violations.all };
};

describe('compileFieldCondition shares what callbacks repeat', () => {
  const input = toEvaluationInput(event({ fields: { name: 'Piet' } }));

  it('gives an equal condition the same compiled test, and any difference its own', () => {
    const first = compile(fieldCondition('name', F.EQUALS, 'piet')).compiled;
    expect(compile(fieldCondition('name', F.EQUALS, 'piet')).compiled).toBe(first);
    const sensitive = compile(fieldCondition('name', F.EQUALS, 'piet', { caseSensitive: true })).compiled;
    expect(sensitive).not.toBe(first);
    expect([first?.test(input), sensitive?.test(input)]).toEqual([true, false]);
    const otherField = compile({
      ...fieldCondition('name', F.EQUALS),
      operand: { $case: 'otherField', value: 'piet' },
    });
    expect(otherField.compiled?.test(input)).toBe(false);
  });

  it('reports an invalid condition every time it is compiled', () => {
    for (let i = 0; i < 2; i++) {
      const { compiled, violations } = compile(fieldCondition('name', F.LESS, 'ten', { numeric: true }));
      expect(compiled).toBeUndefined();
      expect(violations.map((v) => v.reason)).toEqual(['NOT_A_NUMBER']);
    }
  });

  it('compiles a condition again, alike, once 256 Ki characters of others have pushed it out', () => {
    const first = compile(fieldCondition('name', F.STARTS_WITH, 'pi')).compiled;
    const values = Array.from({ length: 999 }, (_, i) => `value ${i}`);
    for (let i = 0; i < 30; i++) compile(fieldCondition('name', F.IN, undefined, { values: [`${i}`, ...values] }));
    const again = compile(fieldCondition('name', F.STARTS_WITH, 'pi')).compiled;
    expect(again).not.toBe(first);
    expect([again?.test(input), again?.description]).toEqual([first?.test(input), first?.description]);
  });
});

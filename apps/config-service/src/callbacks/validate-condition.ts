import { compileCondition } from '@callbacks/conditions';
import type { Violation } from '@callbacks/domain';
import type { Condition } from '@callbacks/proto/callbacks/v1/condition';

/**
 * Violations of a condition, with paths relative to it (`rules[0].conditions[1].field.value`):
 * the same compiler the matcher uses, so what is saved is what the matcher can evaluate.
 */
export function validateCondition(condition: Condition): readonly Violation[] {
  const result = compileCondition(condition);
  return result.ok ? [] : result.violations;
}

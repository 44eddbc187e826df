import { isFieldName, type Violations } from '@callbacks/domain';
import type { EvaluationInput } from './evaluation-input';
import { foldCase, quote } from './text';

/** A compiled check on one event. Total: it returns for every input and never throws. */
export type Predicate = (input: EvaluationInput) => boolean;

/** One condition of a rule, compiled. */
export interface CompiledRuleCondition {
  readonly test: Predicate;
  /** What the condition checks, for a person: `field "name" equals "piet"`. */
  readonly description: string;
}

/** Reports a missing or malformed field name at `path`; returns whether the name is usable. */
export function checkFieldName(name: string, violations: Violations, path: string): boolean {
  if (name === '') {
    violations.add('MISSING_FIELD', 'choose a field', path);
    return false;
  }
  if (!isFieldName(name)) {
    violations.add(
      'INVALID_FIELD_NAME',
      `${quote(name)} is not a field name: use letters, digits and underscores, starting with a letter or underscore, at most 64`,
      path,
    );
    return false;
  }
  return true;
}

/** How a constant is prepared before comparing: folded, unless the condition is case-sensitive. */
export function textNormalizer(caseSensitive: boolean): (text: string) => string {
  return caseSensitive ? (text) => text : foldCase;
}

/** Reads a field of the event as a case-(in)sensitive comparison needs it. */
export type FieldReader = (input: EvaluationInput, name: string) => string;

/** Folded fields come from the event's cache: every callback comparing the same field shares them. */
export function fieldReader(caseSensitive: boolean): FieldReader {
  return caseSensitive ? readField : readFoldedField;
}

const readField: FieldReader = (input, name) => input.field(name);
const readFoldedField: FieldReader = (input, name) => input.foldedField(name);

export const ALWAYS: Predicate = () => true;

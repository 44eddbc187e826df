import type { CelType } from '@bufbuild/cel';

/**
 * The types the expression checker reasons with. `dyn` is "not known until evaluation" and is
 * compatible with everything (gradual typing, as in CEL). Records are the shapes of our variables
 * (`profile`, `event`, ...): maps at run time, but with known field names and types, so that a
 * misspelt field is reported when the callback is saved.
 */
export type CheckedType =
  | { readonly kind: 'dyn' }
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  | { readonly kind: 'list'; readonly element: CheckedType }
  | {
      readonly kind: 'map';
      readonly key: CheckedType;
      readonly value: CheckedType;
      /** A field map: reading a missing key gives the empty string instead of an error (SPEC §4). */
      readonly missingKeyIsEmpty?: boolean;
    }
  | { readonly kind: 'record'; readonly name: string; readonly fields: ReadonlyMap<string, CheckedType> };

export type ScalarName =
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'null_type'
  | 'type'
  | 'google.protobuf.Timestamp'
  | 'google.protobuf.Duration';

export const DYN: CheckedType = { kind: 'dyn' };
export const BOOL = scalar('bool');
export const INT = scalar('int');
export const UINT = scalar('uint');
export const DOUBLE = scalar('double');
export const STRING = scalar('string');
export const BYTES = scalar('bytes');
export const NULL = scalar('null_type');
export const TIMESTAMP = scalar('google.protobuf.Timestamp');

function scalar(name: ScalarName): CheckedType {
  return { kind: 'scalar', name };
}

export function listOf(element: CheckedType): CheckedType {
  return { kind: 'list', element };
}

export function mapOf(key: CheckedType, value: CheckedType): CheckedType {
  return { kind: 'map', key, value };
}

/** The type of a function parameter or result as the CEL library declares it. */
export function fromLibraryType(type: CelType): CheckedType {
  switch (type.kind) {
    case 'list':
      return listOf(fromLibraryType(type.element));
    case 'map':
      return mapOf(fromLibraryType(type.key), fromLibraryType(type.value));
    case 'object':
      return type.name === 'google.protobuf.Timestamp' || type.name === 'google.protobuf.Duration'
        ? scalar(type.name)
        : DYN;
    case 'scalar':
      return type.name === 'dyn' ? DYN : scalar(type.name);
  }
}

/** Whether a value of type `actual` may be passed where `expected` is declared. */
export function isAssignable(actual: CheckedType, expected: CheckedType): boolean {
  if (actual.kind === 'dyn' || expected.kind === 'dyn') return true;
  switch (expected.kind) {
    case 'scalar':
      return actual.kind === 'scalar' && actual.name === expected.name;
    case 'list':
      return actual.kind === 'list' && isAssignable(actual.element, expected.element);
    case 'map':
      if (actual.kind === 'record') return isAssignable(STRING, expected.key);
      return (
        actual.kind === 'map' && isAssignable(actual.key, expected.key) && isAssignable(actual.value, expected.value)
      );
    case 'record':
      return actual.kind === 'record' && actual.name === expected.name;
  }
}

const NUMERIC = new Set<ScalarName>(['int', 'uint', 'double']);

/**
 * Whether two values can be equal: same type, or both numbers (CEL compares numbers across
 * int, uint and double). Comparing a string with a number is reported rather than left to be
 * silently false at run time.
 */
export function isComparable(a: CheckedType, b: CheckedType): boolean {
  if (isAssignable(a, b) || isAssignable(b, a)) return true;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    return (NUMERIC.has(a.name) && NUMERIC.has(b.name)) || a.name === 'null_type' || b.name === 'null_type';
  }
  if (a.kind === 'list' && b.kind === 'list') return isComparable(a.element, b.element);
  if (a.kind === 'map' && b.kind === 'map') return isComparable(a.key, b.key) && isComparable(a.value, b.value);
  return false;
}

/** The most precise type that covers both (the branches of `?:`, the elements of a list literal). */
export function join(a: CheckedType, b: CheckedType): CheckedType {
  if (sameType(a, b)) return a;
  if (a.kind === 'list' && b.kind === 'list') return listOf(join(a.element, b.element));
  if (a.kind === 'map' && b.kind === 'map') return mapOf(join(a.key, b.key), join(a.value, b.value));
  return DYN;
}

function sameType(a: CheckedType, b: CheckedType): boolean {
  switch (a.kind) {
    case 'dyn':
      return b.kind === 'dyn';
    case 'scalar':
      return b.kind === 'scalar' && a.name === b.name;
    case 'list':
      return b.kind === 'list' && sameType(a.element, b.element);
    case 'map':
      return (
        b.kind === 'map' &&
        sameType(a.key, b.key) &&
        sameType(a.value, b.value) &&
        a.missingKeyIsEmpty === b.missingKeyIsEmpty
      );
    case 'record':
      return b.kind === 'record' && a.name === b.name;
  }
}

/** How a type is shown to a person: `string`, `list(string)`, `timestamp`, `profile`. */
export function typeName(type: CheckedType): string {
  switch (type.kind) {
    case 'dyn':
      return 'dyn';
    case 'scalar':
      return type.name === 'google.protobuf.Timestamp'
        ? 'timestamp'
        : type.name === 'google.protobuf.Duration'
          ? 'duration'
          : type.name;
    case 'list':
      return `list(${typeName(type.element)})`;
    case 'map':
      return `map(${typeName(type.key)}, ${typeName(type.value)})`;
    case 'record':
      return type.name;
  }
}

import {
  type CelEnv,
  celEnv,
  type CelFunc,
  celFunc,
  type CelInput,
  celList,
  celMethod,
  CelScalar,
  type CelValue,
  isCelError,
  isCelMap,
  listType,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { cachedPattern } from '../regexp';
import { meter, sizeCost } from './cost';
import { type CheckedType, fromLibraryType } from './types';

/**
 * The functions an expression may call: CEL's standard library and the safe part of its strings
 * extension, each wrapped to charge the cost meter; `matches()` on RE2 (`re2js`) with compiled
 * patterns cached; and internal functions that the checker inserts (their names start with `@`,
 * which no user can type).
 */

/** Reads a field map; a missing field is the empty string (SPEC §4). */
export const READ_FIELD = '@field';
/** Wraps a macro's loop condition: one unit per iteration, and the loop stops when the budget is spent. */
export const LOOP_ITERATION = '@loop_iteration';
/** Wraps a macro's range: pays for the elements before the loop copies them. */
export const LOOP_RANGE = '@loop_range';
/** A fresh, growable list: the accumulator of `map` and `filter`. */
export const NEW_LIST = '@new_list';
/** Appends to a list made by {@link NEW_LIST}, in place: `map` and `filter` stay linear. */
export const APPEND = '@append';

/**
 * Left out of the strings extension because their result can be far larger than their arguments
 * (`replace`, `join` with a separator, `format`), which the cost meter could only see afterwards.
 */
const UNSAFE_STRING_FUNCTIONS = new Set(['replace', 'format', 'strings.quote', 'join(string)']);

const STANDARD: readonly CelFunc[] = [...celEnv().funcs].filter((f) => f.name !== 'matches');
const STRINGS: readonly CelFunc[] = strings.filter(
  (f) => !UNSAFE_STRING_FUNCTIONS.has(f.name) && !UNSAFE_STRING_FUNCTIONS.has(`${f.name}(${f.arguments.join(',')})`),
);

function metered(f: CelFunc): CelFunc {
  const impl = function (this: CelValue | undefined, ...args: CelValue[]): CelInput {
    let units = 1 + sizeCost(this);
    for (const arg of args) units += sizeCost(arg);
    meter.charge(units);
    const result = f.call(0, this, args);
    // The wrapper has the wrapped function's signature, so the library only calls it when that matches.
    if (result === undefined) throw new Error(`${f.id} does not accept these arguments`);
    if (isCelError(result)) throw result;
    meter.charge(sizeCost(result));
    return result as CelInput;
  };
  return f.target === undefined
    ? celFunc(f.name, f.arguments, f.result, impl)
    : celMethod(f.name, f.target, f.arguments, f.result, impl);
}

const { BOOL, DYN, STRING } = CelScalar;

const matches = celMethod('matches', STRING, [STRING], BOOL, function (pattern) {
  meter.charge(1 + sizeCost(this) + sizeCost(pattern));
  const compiled = cachedPattern(pattern);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.regexp.test(this);
});

/**
 * The arrays behind the lists made by NEW_LIST. CEL spells "append" as `accu + [x]`, which builds a
 * new list at every step and makes a `map` over n elements cost n² (the library's concatenated
 * lists nest one level per step). A macro's accumulator is private to one run of its loop, so
 * appending in place is safe there, and only there is it used.
 */
const growable = new WeakMap<object, CelValue[]>();

const INTERNAL: readonly CelFunc[] = [
  celFunc(NEW_LIST, [], listType(DYN), () => {
    meter.charge(1);
    const elements: CelValue[] = [];
    const list = celList(elements);
    growable.set(list, elements);
    return list;
  }),
  celFunc(APPEND, [listType(DYN), DYN], listType(DYN), (list, element) => {
    meter.charge(1);
    const elements = growable.get(list);
    if (elements === undefined) throw new Error(`${APPEND} expects a list made by ${NEW_LIST}`);
    elements.push(element);
    return list;
  }),
  celFunc(READ_FIELD, [DYN, STRING], STRING, (fields, name) => {
    meter.charge(1);
    if (!isCelMap(fields)) throw new Error(`${READ_FIELD} expects a field map`);
    const value = fields.get(name);
    return typeof value === 'string' ? value : '';
  }),
  celFunc(LOOP_ITERATION, [BOOL], BOOL, (proceed) => meter.tryCharge(1) && proceed),
  celFunc(LOOP_RANGE, [DYN], DYN, (range) => {
    meter.charge(1 + sizeCost(range));
    return range as CelInput;
  }),
];

const USER_FUNCTIONS: readonly CelFunc[] = [...STANDARD.map(metered), ...STRINGS.map(metered), matches];

/** The environment every expression is planned in (no declared variables: the checker owns types). */
export const CEL_ENVIRONMENT: CelEnv = celEnv({ funcs: [...USER_FUNCTIONS, ...INTERNAL] });

/** One overload of a function as the checker sees it. */
export interface Signature {
  readonly target: CheckedType | undefined;
  readonly args: readonly CheckedType[];
  readonly result: CheckedType;
}

/** The overloads of every function a user may call, by name. */
export const SIGNATURES: ReadonlyMap<string, readonly Signature[]> = (() => {
  const byName = new Map<string, Signature[]>();
  for (const f of USER_FUNCTIONS) {
    const list = byName.get(f.name) ?? [];
    list.push({
      target: f.target === undefined ? undefined : fromLibraryType(f.target),
      args: f.arguments.map(fromLibraryType),
      result: fromLibraryType(f.result),
    });
    byName.set(f.name, list);
  }
  return byName;
})();

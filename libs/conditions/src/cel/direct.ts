import type { EvaluationInput } from '../evaluation-input';
import { sizeCost } from './cost';
import { READ_FIELD } from './functions';
import type { Expr } from './syntax';
import { FIELD_MAPS, TEXT_MEMBERS } from './variables';

/**
 * Direct evaluation of the expressions most conditions are made of: the event's text compared with
 * text, joined by `&&`, `||` and `!` — `profile.fields.city == "Utrecht" && event.origin != "REST"`,
 * `event.action in ["create", "update"]`, `profile.fields.email.endsWith("@example.com")`. Such an
 * expression becomes a closure over the event that computes what the library's evaluator computes,
 * with the same short-circuits and the same cost units, without building the CEL variables and
 * walking the planned program (which was most of the matcher's time spent on conditions).
 *
 * Anything else — other operators and functions, other variables, macros, a value that is not
 * text — is not compiled (the expression is evaluated by the library), and a closure that meets
 * an event it cannot read as text (one that breaks its own types) says so, and the library
 * evaluates that event.
 */
export type DirectExpression = (input: EvaluationInput) => DirectOutcome | undefined;

export interface DirectOutcome {
  readonly value: boolean;
  /** The cost units the library's evaluator charges for this evaluation (see `cost.ts`). */
  readonly cost: number;
}

/** A compiled part: its value (`undefined`: cannot tell for this event), adding its cost to `spent`. */
type Part<T> = (input: EvaluationInput, spent: Spent) => T | undefined;

interface Spent {
  units: number;
}

/** Compiles an expression (as the checker left it), or `undefined` when it is not of the kind described above. */
export function compileDirect(expr: Expr): DirectExpression | undefined {
  const test = condition(expr);
  if (test === undefined) return undefined;
  return (input) => {
    const spent: Spent = { units: 0 };
    const value = test(input, spent);
    return value === undefined ? undefined : { value, cost: spent.units };
  };
}

// A function call costs one unit plus the size of its operands and of its result (`functions.ts`);
// the results here are bools, which cost nothing.
const callCost = (...operands: readonly unknown[]) =>
  operands.reduce<number>((units, operand) => units + sizeCost(operand), 1);

function condition(expr: Expr): Part<boolean> | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'constExpr') {
    const constant = kind.value.constantKind;
    return constant.case === 'boolValue' ? () => constant.value : undefined;
  }
  if (kind.case !== 'callExpr') return undefined;
  const { function: fn, args, target } = kind.value;
  if (target !== undefined) return textMethod(fn, target, args);
  switch (fn) {
    case '_&&_':
      return logical(args, false);
    case '_||_':
      return logical(args, true);
    case '!_': {
      const [operand] = args;
      const negated = args.length === 1 && operand !== undefined ? condition(operand) : undefined;
      if (negated === undefined) return undefined;
      return (input, spent) => {
        const value = negated(input, spent);
        if (value === undefined) return undefined;
        spent.units += callCost(value);
        return !value;
      };
    }
    case '_==_':
    case '_!=_': {
      const [left, right] = args.map(text);
      if (args.length !== 2 || left === undefined || right === undefined) return undefined;
      const equal = fn === '_==_';
      return (input, spent) => {
        const a = left(input, spent);
        if (a === undefined) return undefined;
        const b = right(input, spent);
        if (b === undefined) return undefined;
        spent.units += callCost(a, b);
        return (a === b) === equal;
      };
    }
    case '@in':
      return inList(args);
    default:
      return undefined;
  }
}

/**
 * `&&` and `||` as the library evaluates them: operands left to right, stopping at the first that
 * decides. (An operand that errs does not decide, but ours never err.)
 */
function logical(args: readonly Expr[], decidedBy: boolean): Part<boolean> | undefined {
  const operands = args.map(condition);
  if (operands.length === 0 || operands.some((operand) => operand === undefined)) return undefined;
  const parts = operands as Part<boolean>[];
  return (input, spent) => {
    for (const part of parts) {
      const value = part(input, spent);
      if (value === undefined) return undefined;
      if (value === decidedBy) return decidedBy;
    }
    return !decidedBy;
  };
}

/** `x in ["a", "b"]`: text in a list of text constants. */
function inList(args: readonly Expr[]): Part<boolean> | undefined {
  const [needle, list] = args;
  const value = needle === undefined ? undefined : text(needle);
  if (args.length !== 2 || value === undefined || list?.exprKind.case !== 'listExpr') return undefined;
  if (list.exprKind.value.optionalIndices.length > 0) return undefined;
  const elements: string[] = [];
  for (const element of list.exprKind.value.elements) {
    const constant = element.exprKind.case === 'constExpr' ? element.exprKind.value.constantKind : undefined;
    if (constant?.case !== 'stringValue') return undefined;
    elements.push(constant.value);
  }
  return (input, spent) => {
    const found = value(input, spent);
    if (found === undefined) return undefined;
    // A list costs a unit per element (`sizeCost`).
    spent.units += callCost(found) + elements.length;
    return elements.includes(found);
  };
}

const TEXT_METHODS: ReadonlyMap<string, (text: string, argument: string) => boolean> = new Map([
  ['startsWith', (text: string, argument: string) => text.startsWith(argument)],
  ['endsWith', (text: string, argument: string) => text.endsWith(argument)],
  ['contains', (text: string, argument: string) => text.includes(argument)],
]);

/** `x.startsWith(y)`, `x.endsWith(y)`, `x.contains(y)` on text, as the standard library defines them. */
function textMethod(fn: string, target: Expr, args: readonly Expr[]): Part<boolean> | undefined {
  const method = TEXT_METHODS.get(fn);
  const [argument] = args;
  const receiver = text(target);
  const operand = argument === undefined ? undefined : text(argument);
  if (method === undefined || args.length !== 1 || receiver === undefined || operand === undefined) return undefined;
  return (input, spent) => {
    const a = receiver(input, spent);
    if (a === undefined) return undefined;
    const b = operand(input, spent);
    if (b === undefined) return undefined;
    spent.units += callCost(a, b);
    return method(a, b);
  };
}

/** A text constant, a text member of a variable (`event.origin`), or a field (`profile.fields.city`). */
function text(expr: Expr): Part<string> | undefined {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr': {
      const constant = kind.value.constantKind;
      return constant.case === 'stringValue' ? () => constant.value : undefined;
    }
    case 'selectExpr': {
      const { operand, field, testOnly } = kind.value;
      const read =
        !testOnly && operand !== undefined ? TEXT_MEMBERS.get(variableName(operand) ?? '')?.get(field) : undefined;
      if (read === undefined) return undefined;
      return (input) => {
        const value: unknown = read(input);
        return typeof value === 'string' ? value : undefined;
      };
    }
    case 'callExpr': {
      // The checker turns every read of a field map into READ_FIELD(map, name).
      const { function: fn, args, target } = kind.value;
      const [map, name] = args;
      if (fn !== READ_FIELD || target !== undefined || args.length !== 2 || map?.exprKind.case !== 'selectExpr')
        return undefined;
      const { operand, field, testOnly } = map.exprKind.value;
      const fields =
        field === 'fields' && !testOnly && operand !== undefined
          ? FIELD_MAPS.get(variableName(operand) ?? '')
          : undefined;
      const constant = name?.exprKind.case === 'constExpr' ? name.exprKind.value.constantKind : undefined;
      if (fields === undefined || constant?.case !== 'stringValue') return undefined;
      const fieldName = constant.value;
      return (input, spent) => {
        spent.units += 1; // what READ_FIELD charges
        const values = fields(input);
        // The library reads the map of the object's own entries; a missing field is the empty string.
        const value: unknown = Object.hasOwn(values, fieldName) ? values[fieldName] : '';
        return typeof value === 'string' ? value : undefined;
      };
    }
    default:
      return undefined;
  }
}

function variableName(expr: Expr): string | undefined {
  return expr.exprKind.case === 'identExpr' ? expr.exprKind.value.name : undefined;
}

import { CONDITION_LIMITS } from '../limits';
import { compilePattern } from '../regexp';
import { APPEND, LOOP_ITERATION, LOOP_RANGE, NEW_LIST, READ_FIELD, type Signature } from './functions';
import {
  type Call,
  callExpr,
  type Comprehension,
  type Constant,
  type CreateStruct,
  type Expr,
  maxId,
  type Select,
  stringExpr,
} from './syntax';
import {
  BOOL,
  BYTES,
  type CheckedType,
  DOUBLE,
  DYN,
  INT,
  isAssignable,
  isComparable,
  join,
  listOf,
  mapOf,
  NULL,
  STRING,
  typeName,
  UINT,
} from './types';

/**
 * Type-checks a parsed expression against our variables and functions, and prepares it for
 * evaluation. `@bufbuild/cel` 0.6 has no type checker (bufbuild/cel-es#129), so this is ours: a
 * gradual checker in CEL's style, precise where our variables' shapes are known and `dyn` where
 * they are not. While checking it rewrites the tree in place:
 * - reading a field map (`profile.fields.name`, `previous.fields["city"]`) becomes a call that
 *   gives the empty string for a missing field instead of an error (SPEC §4);
 * - every macro loop (`all`, `exists`, `exists_one`, `map`, `filter`) pays the cost meter for its
 *   range and for each iteration, so evaluation is bounded.
 */

export interface CheckProblem {
  readonly reason: string;
  readonly message: string;
  /** Id of the node the problem is about, to find its place in the source. */
  readonly exprId: bigint;
}

export interface CheckOutcome {
  readonly type: CheckedType;
  readonly problems: readonly CheckProblem[];
}

export interface CheckEnvironment {
  readonly variables: ReadonlyMap<string, CheckedType>;
  readonly functions: ReadonlyMap<string, readonly Signature[]>;
}

/** Stop collecting after this many: the first few problems are the useful ones. */
const MAX_PROBLEMS = 10;

export function checkExpression(root: Expr, environment: CheckEnvironment): CheckOutcome {
  const checker = new Checker(environment, maxId(root));
  const type = checker.check(root, 1);
  return { type, problems: checker.problems };
}

const OPERATORS: Readonly<Record<string, string>> = {
  '_+_': '+',
  '_-_': '-',
  '_*_': '*',
  '_/_': '/',
  '_%_': '%',
  '-_': 'unary -',
  '!_': '!',
  '_==_': '==',
  '_!=_': '!=',
  '_<_': '<',
  '_<=_': '<=',
  '_>_': '>',
  '_>=_': '>=',
  '@in': 'in',
};

class Checker {
  readonly problems: CheckProblem[] = [];
  private readonly scopes: Map<string, CheckedType>[] = [];
  private tooDeep = false;

  constructor(
    private readonly environment: CheckEnvironment,
    private lastId: bigint,
  ) {}

  check(expr: Expr, depth: number): CheckedType {
    if (depth > CONDITION_LIMITS.maxExpressionDepth) {
      if (!this.tooDeep) {
        this.tooDeep = true;
        this.report(
          expr,
          `the expression is nested more than ${CONDITION_LIMITS.maxExpressionDepth} levels deep: simplify it`,
          'EXPRESSION_TOO_DEEP',
        );
      }
      return DYN;
    }
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return constantType(kind.value);
      case 'identExpr':
        return this.identifier(expr, kind.value.name);
      case 'selectExpr':
        return this.select(expr, kind.value, depth);
      case 'callExpr':
        return this.call(expr, kind.value, depth);
      case 'listExpr': {
        if (kind.value.optionalIndices.length > 0) this.report(expr, 'optional list elements are not supported');
        const elements = kind.value.elements.map((element) => this.check(element, depth + 1));
        return listOf(elements.reduce(join, elements[0] ?? DYN));
      }
      case 'structExpr':
        return this.mapLiteral(expr, kind.value.messageName, kind.value.entries, depth);
      case 'comprehensionExpr':
        return this.comprehension(expr, kind.value, depth);
      default:
        this.report(expr, 'this kind of expression is not supported');
        return DYN;
    }
  }

  private identifier(expr: Expr, name: string): CheckedType {
    for (const scope of this.scopes.toReversed()) {
      const type = scope.get(name);
      if (type !== undefined) return type;
    }
    const global = this.environment.variables.get(name.startsWith('.') ? name.slice(1) : name);
    if (global !== undefined) return global;
    this.report(expr, `unknown name '${name}': the variables are ${[...this.environment.variables.keys()].join(', ')}`);
    return DYN;
  }

  private select(expr: Expr, select: Select, depth: number): CheckedType {
    if (select.operand === undefined) {
      this.report(expr, 'a field selection without an operand');
      return DYN;
    }
    const operand = this.check(select.operand, depth + 1);
    const field = select.field;
    if (select.testOnly) {
      // has(x.f): the field must be one that can exist.
      if (operand.kind === 'record' && !operand.fields.has(field)) {
        this.unknownField(expr, operand, field);
      } else if (operand.kind === 'map' && !isAssignable(STRING, operand.key)) {
        this.report(expr, `has() needs a map with string keys, not ${typeName(operand)}`);
      } else if (operand.kind === 'scalar' || operand.kind === 'list') {
        this.report(expr, `has() needs a map or a variable, not ${typeName(operand)}`);
      }
      return BOOL;
    }
    switch (operand.kind) {
      case 'record': {
        const type = operand.fields.get(field);
        if (type === undefined) {
          this.unknownField(expr, operand, field);
          return DYN;
        }
        return type;
      }
      case 'map':
        if (!isAssignable(STRING, operand.key)) {
          this.report(expr, `cannot select '${field}' from ${typeName(operand)}: its keys are not strings`);
          return DYN;
        }
        if (operand.missingKeyIsEmpty) {
          expr.exprKind = callExpr(expr.id, READ_FIELD, [select.operand, stringExpr(this.newId(), field)]).exprKind;
        }
        return operand.value;
      case 'dyn':
        return DYN;
      default:
        this.report(expr, `cannot select '${field}' from a value of type ${typeName(operand)}`);
        return DYN;
    }
  }

  private unknownField(expr: Expr, record: Extract<CheckedType, { kind: 'record' }>, field: string): void {
    this.report(expr, `${record.name} has no field '${field}': its fields are ${[...record.fields.keys()].join(', ')}`);
  }

  private call(expr: Expr, call: Call, depth: number): CheckedType {
    const fn = call.function;
    switch (fn) {
      case '_&&_':
      case '_||_':
      case '@not_strictly_false':
        for (const arg of call.args) this.expectBool(arg, this.check(arg, depth + 1), fn === '_||_' ? '||' : '&&');
        return BOOL;
      case '_?_:_': {
        const [condition, whenTrue, whenFalse] = call.args;
        if (condition === undefined || whenTrue === undefined || whenFalse === undefined) {
          this.report(expr, 'a conditional needs a condition and two branches');
          return DYN;
        }
        this.expectBool(condition, this.check(condition, depth + 1), '?:');
        return join(this.check(whenTrue, depth + 1), this.check(whenFalse, depth + 1));
      }
      case '_[_]':
        return this.index(expr, call, depth);
      case 'has':
        this.report(expr, 'has() takes a field selection, e.g. has(profile.fields.city)');
        return BOOL;
      case '_?._':
      case '_[?_]':
        this.report(expr, 'optional field selection is not supported');
        return DYN;
      default:
        return this.functionCall(expr, call, depth);
    }
  }

  private index(expr: Expr, call: Call, depth: number): CheckedType {
    const [container, key] = call.args;
    if (container === undefined || key === undefined) {
      this.report(expr, 'an index needs a value and a key');
      return DYN;
    }
    const containerType = this.check(container, depth + 1);
    const keyType = this.check(key, depth + 1);
    switch (containerType.kind) {
      case 'list':
        if (!isAssignable(keyType, INT) && !isAssignable(keyType, UINT)) {
          this.report(key, `a list index must be an int, not ${typeName(keyType)}`);
        }
        return containerType.element;
      case 'map':
        if (!isComparable(keyType, containerType.key)) {
          this.report(key, `${typeName(containerType)} has no keys of type ${typeName(keyType)}`);
        }
        if (containerType.missingKeyIsEmpty) call.function = READ_FIELD;
        return containerType.value;
      case 'record':
        if (!isAssignable(keyType, STRING)) {
          this.report(key, `${containerType.name} has no keys of type ${typeName(keyType)}`);
        }
        return DYN;
      case 'dyn':
        return DYN;
      default:
        this.report(expr, `cannot index a value of type ${typeName(containerType)}`);
        return DYN;
    }
  }

  private functionCall(expr: Expr, call: Call, depth: number): CheckedType {
    const fn = call.function;
    const target = call.target === undefined ? undefined : this.check(call.target, depth + 1);
    const args = call.args.map((arg) => this.check(arg, depth + 1));
    const signatures = this.environment.functions.get(fn);
    if (signatures === undefined) {
      this.report(expr, `unknown function '${fn}'`);
      return DYN;
    }
    const matching = signatures.filter(
      (signature) =>
        (signature.target === undefined) === (target === undefined) &&
        (signature.target === undefined || target === undefined || isAssignable(target, signature.target)) &&
        signature.args.length === args.length &&
        signature.args.every((parameter, i) => isAssignable(args[i] ?? DYN, parameter)),
    );
    if (matching.length === 0) {
      this.report(expr, noOverloadMessage(fn, target, args));
      return DYN;
    }
    this.checkComparison(expr, fn, args);
    if (fn === 'matches') this.checkPattern(call.args[0]);
    return matching.map((signature) => signature.result).reduce(join);
  }

  /** `==`, `!=` and `in` accept any values, but comparing a string with a number is always false: say so. */
  private checkComparison(expr: Expr, fn: string, args: readonly CheckedType[]): void {
    const [left, right] = args;
    if (left === undefined || right === undefined) return;
    if ((fn === '_==_' || fn === '_!=_') && !isComparable(left, right)) {
      this.report(expr, `cannot compare ${typeName(left)} with ${typeName(right)}${conversionHint(left, right)}`);
    }
    if (fn === '@in') {
      const element = right.kind === 'list' ? right.element : right.kind === 'map' ? right.key : DYN;
      if (!isComparable(left, element)) {
        this.report(expr, `${typeName(right)} cannot contain ${typeName(left)}${conversionHint(left, element)}`);
      }
    }
  }

  /** A constant pattern is checked now, like a REGEXP condition's. */
  private checkPattern(argument: Expr | undefined): void {
    if (argument?.exprKind.case !== 'constExpr') return;
    const constant = argument.exprKind.value.constantKind;
    if (constant.case !== 'stringValue') return;
    const compiled = compilePattern(constant.value, { caseInsensitive: false });
    if (!compiled.ok) this.report(argument, compiled.message, compiled.reason);
  }

  private mapLiteral(expr: Expr, messageName: string, entries: CreateStruct['entries'], depth: number): CheckedType {
    if (messageName !== '') {
      this.report(expr, `creating a ${messageName} message is not supported`);
      return DYN;
    }
    let key: CheckedType | undefined;
    let value: CheckedType | undefined;
    for (const entry of entries) {
      if (entry.keyKind.case !== 'mapKey' || entry.value === undefined) {
        this.report(expr, 'a map literal needs a key and a value for every entry');
        continue;
      }
      const keyType = this.check(entry.keyKind.value, depth + 1);
      if (keyType.kind === 'scalar' && !['string', 'int', 'uint', 'bool'].includes(keyType.name)) {
        this.report(entry.keyKind.value, `a map key must be a string, int, uint or bool, not ${typeName(keyType)}`);
      }
      const valueType = this.check(entry.value, depth + 1);
      key = key === undefined ? keyType : join(key, keyType);
      value = value === undefined ? valueType : join(value, valueType);
    }
    return mapOf(key ?? DYN, value ?? DYN);
  }

  private comprehension(expr: Expr, loop: Comprehension, depth: number): CheckedType {
    const { iterRange, accuInit, loopCondition, loopStep, result } = loop;
    if (!iterRange || !accuInit || !loopCondition || !loopStep || !result) {
      this.report(expr, 'an incomplete macro');
      return DYN;
    }
    if (loop.iterVar2 !== '') {
      this.report(expr, 'macros with two loop variables are not supported');
      return DYN;
    }
    const range = this.check(iterRange, depth + 1);
    let element: CheckedType;
    switch (range.kind) {
      case 'list':
        element = range.element;
        break;
      case 'map':
        element = range.key;
        break;
      case 'record':
        element = STRING;
        break;
      case 'dyn':
        element = DYN;
        break;
      default:
        this.report(iterRange, `cannot loop over a value of type ${typeName(range)}`);
        element = DYN;
    }
    const initial = this.check(accuInit, depth + 1);
    this.scopes.push(
      new Map([
        [loop.iterVar, element],
        [loop.accuVar, initial],
      ]),
    );
    this.expectBool(loopCondition, this.check(loopCondition, depth + 1), 'a macro');
    const step = this.check(loopStep, depth + 1);
    this.scopes.pop();
    this.scopes.push(new Map([[loop.accuVar, join(initial, step)]]));
    const type = this.check(result, depth + 1);
    this.scopes.pop();

    loop.iterRange = callExpr(this.newId(), LOOP_RANGE, [iterRange]);
    loop.loopCondition = callExpr(this.newId(), LOOP_ITERATION, [loopCondition]);
    this.appendInPlace(loop, accuInit, loopStep);
    return type;
  }

  /**
   * `map` and `filter` expand to an accumulator `[]` and a step `accu + [x]` (under a `?:` for
   * `filter`); they get a growable list and an in-place append instead. The accumulator's name
   * (`@result`) cannot be typed by a user, so only macros match.
   */
  private appendInPlace(loop: Comprehension, accuInit: Expr, loopStep: Expr): void {
    if (accuInit.exprKind.case !== 'listExpr' || accuInit.exprKind.value.elements.length > 0) return;
    const step = loopStep.exprKind;
    if (step.case !== 'callExpr') return;
    const append =
      step.value.function === '_?_:_' ? step.value.args[1] : step.value.function === '_+_' ? loopStep : undefined;
    if (append?.exprKind.case !== 'callExpr' || append.exprKind.value.function !== '_+_') return;
    const [accumulator, added] = append.exprKind.value.args;
    if (accumulator?.exprKind.case !== 'identExpr' || accumulator.exprKind.value.name !== loop.accuVar) return;
    if (added?.exprKind.case !== 'listExpr' || added.exprKind.value.elements.length !== 1) return;
    const [element] = added.exprKind.value.elements;
    if (element === undefined) return;
    append.exprKind.value.function = APPEND;
    append.exprKind.value.args = [accumulator, element];
    loop.accuInit = callExpr(accuInit.id, NEW_LIST, []);
  }

  private expectBool(expr: Expr, type: CheckedType, where: string): void {
    if (!isAssignable(type, BOOL)) this.report(expr, `${where} needs a bool here, not ${typeName(type)}`);
  }

  private report(expr: Expr, message: string, reason = 'EXPRESSION_TYPE_ERROR'): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ reason, message, exprId: expr.id });
  }

  private newId(): bigint {
    this.lastId += 1n;
    return this.lastId;
  }
}

function constantType(constant: Constant): CheckedType {
  switch (constant.constantKind.case) {
    case 'boolValue':
      return BOOL;
    case 'int64Value':
      return INT;
    case 'uint64Value':
      return UINT;
    case 'doubleValue':
      return DOUBLE;
    case 'stringValue':
      return STRING;
    case 'bytesValue':
      return BYTES;
    case 'nullValue':
      return NULL;
    default:
      return DYN;
  }
}

function noOverloadMessage(fn: string, target: CheckedType | undefined, args: readonly CheckedType[]): string {
  const operator = OPERATORS[fn];
  const argList = args.map(typeName).join(', ');
  if (operator !== undefined) {
    const [left, right] = args;
    const hint = left !== undefined && right !== undefined ? conversionHint(left, right) : '';
    return `operator ${operator} cannot be applied to (${argList})${hint}`;
  }
  if (target !== undefined) return `${typeName(target)}.${fn}(${argList}) does not exist`;
  return `${fn}(${argList}) does not exist`;
}

/** Field values are strings: when a string meets a number, say how to convert. */
function conversionHint(a: CheckedType, b: CheckedType): string {
  const isNumber = (t: CheckedType) =>
    t.kind === 'scalar' && (t.name === 'int' || t.name === 'uint' || t.name === 'double');
  const isString = (t: CheckedType) => t.kind === 'scalar' && t.name === 'string';
  if ((isString(a) && isNumber(b)) || (isNumber(a) && isString(b))) {
    return ': field values are strings, convert with int(...) or double(...), or compare with a string';
  }
  return '';
}

import type { parse } from '@bufbuild/cel';

/**
 * The CEL syntax tree as `@bufbuild/cel` parses it (protobuf messages of `cel.expr`), with the
 * few constructors the checker needs to rewrite it. The types are taken from `parse()` so that
 * this library does not depend on the library's own generated-code package.
 */
export type ParsedExpression = ReturnType<typeof parse>;
export type Expr = ParsedExpression['expr'];
export type ExprKind = Expr['exprKind'];
export type Call = Extract<ExprKind, { case: 'callExpr' }>['value'];
export type Select = Extract<ExprKind, { case: 'selectExpr' }>['value'];
export type Comprehension = Extract<ExprKind, { case: 'comprehensionExpr' }>['value'];
export type CreateList = Extract<ExprKind, { case: 'listExpr' }>['value'];
export type CreateStruct = Extract<ExprKind, { case: 'structExpr' }>['value'];
export type Constant = Extract<ExprKind, { case: 'constExpr' }>['value'];

export function callExpr(id: bigint, fn: string, args: Expr[]): Expr {
  return {
    $typeName: 'cel.expr.Expr',
    id,
    exprKind: { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: fn, args } },
  };
}

export function stringExpr(id: bigint, value: string): Expr {
  return {
    $typeName: 'cel.expr.Expr',
    id,
    exprKind: {
      case: 'constExpr',
      value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'stringValue', value } },
    },
  };
}

/**
 * The largest node id in a tree, so that inserted nodes get ids of their own. Iterative: it runs
 * before the depth limit is checked.
 */
export function maxId(root: Expr): bigint {
  let max = 0n;
  const pending: Expr[] = [root];
  for (let expr = pending.pop(); expr !== undefined; expr = pending.pop()) {
    if (expr.id > max) max = expr.id;
    for (const child of children(expr)) if (child !== undefined) pending.push(child);
  }
  return max;
}

function children(expr: Expr): (Expr | undefined)[] {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return [kind.value.operand];
    case 'callExpr':
      return [kind.value.target, ...kind.value.args];
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((entry) => [
        entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined,
        entry.value,
      ]);
    case 'comprehensionExpr':
      return [
        kind.value.iterRange,
        kind.value.accuInit,
        kind.value.loopCondition,
        kind.value.loopStep,
        kind.value.result,
      ];
    default:
      return [];
  }
}

export { compileCondition, type CompileResult } from './compile-condition';
export type { CompiledCondition } from './compiled-condition';
export { toEvaluationInput, type EvaluationInput } from './evaluation-input';
export type { ConditionExplanation, ExpressionExplanation, FailedCondition, RuleExplanation } from './explanation';
export { CONDITION_LIMITS } from './limits';

/**
 * Why a condition did or did not match an event: what the config service's "test a callback"
 * call shows (SPEC §8, "the match result with the reason per rule").
 */
export interface ConditionExplanation {
  /** The verdict; always equal to `matches()` for the same event. */
  readonly matches: boolean;
  /** Every rule in order, disabled ones included (evaluated for information, but not counted). */
  readonly rules: readonly RuleExplanation[];
  /** The expression's outcome, when the condition has one and the rules let it decide. */
  readonly expression?: ExpressionExplanation;
  /** One sentence for a person, e.g. `fires: rules[0] "piet" holds and no excluding rule holds`. */
  readonly summary: string;
}

export interface RuleExplanation {
  readonly index: number;
  readonly name: string;
  readonly excluding: boolean;
  readonly disabled: boolean;
  /** Whether all its conditions hold (a rule without conditions holds). */
  readonly held: boolean;
  /** The first condition that did not hold, when the rule did not. */
  readonly failedCondition?: FailedCondition;
}

export interface FailedCondition {
  readonly index: number;
  /** What the condition checks, e.g. `field "name" equals "piet"`. */
  readonly description: string;
}

export interface ExpressionExplanation {
  readonly source: string;
  readonly result: boolean;
  /** Why the expression could not be evaluated (it then counts as false). */
  readonly error?: string;
}

export { explain, type MatchExplanation } from './explain';
export { type ConditionTest, matchable, type MatchableCallback, type RuleFields } from './matchable-callback';
export { MATCHING_RULE, type Check, type CheckName, type Verdict } from './matching-rule';
export { matchEvent, verdict, type Match } from './verdict';

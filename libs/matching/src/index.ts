export { explain, type MatchExplanation } from './explain';
export { matchable, type MatchableCallback } from './matchable-callback';
export { MATCHING_RULE, type Check, type CheckName, type Verdict } from './matching-rule';
export { matchEvent, verdict, type Match } from './verdict';

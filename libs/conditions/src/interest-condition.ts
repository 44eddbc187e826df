import type { Violations } from '@callbacks/domain';
import { InterestCheck, type InterestCondition } from '@callbacks/proto/callbacks/v1/condition';
import type { CompiledRuleCondition } from './predicate';
import { foldCase, quote } from './text';

/**
 * An interest condition (SPEC §4): the profile's interests after the change, matched by name and
 * group case-insensitively. Subprofile events carry no interests (SPEC §5), so for them HAS does
 * not hold and LACKS does.
 */

const CHECK_NAMES = 'HAS, LACKS, HAS_ANY_IN_GROUP or HAS_NONE_IN_GROUP';

/** Compiles an interest condition; `violations` is scoped to the condition (`...conditions[1].interest`). */
export function compileInterestCondition(
  condition: InterestCondition,
  violations: Violations,
): CompiledRuleCondition | undefined {
  const name = foldCase(condition.interest);
  const group = foldCase(condition.group);
  const inGroup = condition.group === '' ? '' : ` in group ${quote(condition.group)}`;
  switch (condition.check) {
    case InterestCheck.HAS:
    case InterestCheck.LACKS: {
      if (condition.interest === '') {
        violations.add('MISSING_INTEREST', 'name the interest', 'interest');
        return undefined;
      }
      const interest = `interest ${quote(condition.interest)}${inGroup}`;
      return condition.check === InterestCheck.HAS
        ? { test: (input) => input.interests.has(name, group), description: `the profile has ${interest}` }
        : { test: (input) => !input.interests.has(name, group), description: `the profile lacks ${interest}` };
    }
    case InterestCheck.HAS_ANY_IN_GROUP:
    case InterestCheck.HAS_NONE_IN_GROUP: {
      if (condition.group === '') {
        violations.add('MISSING_GROUP', 'name the group of interests', 'group');
        return undefined;
      }
      const where = `group ${quote(condition.group)}`;
      return condition.check === InterestCheck.HAS_ANY_IN_GROUP
        ? {
            test: (input) => input.interests.hasAnyInGroup(group),
            description: `the profile has an interest in ${where}`,
          }
        : {
            test: (input) => !input.interests.hasAnyInGroup(group),
            description: `the profile has no interest in ${where}`,
          };
    }
    default:
      violations.add('UNKNOWN_INTEREST_CHECK', `choose a check: ${CHECK_NAMES}`, 'check');
      return undefined;
  }
}

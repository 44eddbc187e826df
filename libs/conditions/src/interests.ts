import type { Interest } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { foldCase } from './text';

/**
 * A profile's interests indexed for case-insensitive look-ups by name, by group and name, and by
 * group. Built once per event and shared by every callback's conditions.
 */
export class InterestIndex {
  private readonly names = new Set<string>();
  private readonly groupedNames = new Set<string>();
  private readonly groups = new Set<string>();

  constructor(interests: readonly Interest[]) {
    for (const interest of interests) {
      // `?? ''`: an interest decoded from sloppy JSON may lack a group.
      const name = foldCase(interest.name ?? '');
      const group = foldCase(interest.group ?? '');
      this.names.add(name);
      this.groupedNames.add(groupedKey(group, name));
      if (group !== '') this.groups.add(group);
    }
  }

  /** Whether there is an interest named `name`, in `group` if that is not empty; both already folded. */
  has(foldedName: string, foldedGroup: string): boolean {
    return foldedGroup === '' ? this.names.has(foldedName) : this.groupedNames.has(groupedKey(foldedGroup, foldedName));
  }

  /** Whether any interest is in the (already folded) group. */
  hasAnyInGroup(foldedGroup: string): boolean {
    return this.groups.has(foldedGroup);
  }
}

// NUL cannot occur in a name typed by a person, so group + NUL + name is unambiguous.
function groupedKey(group: string, name: string): string {
  return `${group}\u0000${name}`;
}

/** Ids of accounts, databases, collections, profiles, subprofiles and callbacks (SPEC §2). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Names of profile and subprofile fields (SPEC §2). */
export const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function isFieldName(value: string): boolean {
  return FIELD_NAME_PATTERN.test(value);
}

/**
 * Limits on a condition (SPEC §3 "an over-deep or over-long condition"). They keep a saved
 * callback cheap to compile and to evaluate against every event; the compiler reports a
 * violation for each one exceeded.
 */
export const CONDITION_LIMITS = {
  /** Rules per condition. */
  maxRules: 50,
  /** Conditions per rule. */
  maxConditionsPerRule: 50,
  /** UTF-8 bytes of the CEL expression. */
  maxExpressionBytes: 4096,
  /** Nesting depth of the CEL expression's syntax tree (the parser itself gives up near 200). */
  maxExpressionDepth: 100,
  /** UTF-8 bytes of a REGEXP pattern, and of a pattern given to CEL's `matches()`. */
  maxPatternBytes: 1024,
  /** Candidate values of an IN comparison. */
  maxInValues: 1000,
  /** The whole condition, protobuf-encoded: its values together (64 KiB). */
  maxConditionBytes: 65_536,
  /**
   * Cost units one CEL evaluation may spend before it is stopped (and counts as false). A unit is
   * one function call, one loop iteration, one list or map element handed to a function or a
   * loop, or 64 characters of a string handed to or returned by a function. 10 000 units take at
   * most a few milliseconds, and cover e.g. `exists` over a few thousand interests (see README).
   */
  celCostLimit: 10_000,
} as const;

import { RE2JS } from 're2js';
import { CONDITION_LIMITS } from './limits';
import { utf8Length } from './text';

/**
 * Regular expressions use RE2 semantics (`re2js`): matching takes time linear in the input and
 * there are no back-references or look-arounds, so a user's pattern can never stall the matcher
 * the way `(a+)+$` stalls a backtracking engine. A pattern matches anywhere in the text unless it
 * is anchored with `^` and `$`.
 */

export type CompiledPattern =
  | { readonly ok: true; readonly regexp: RE2JS }
  | { readonly ok: false; readonly reason: 'PATTERN_TOO_LONG' | 'INVALID_REGEXP'; readonly message: string };

export function compilePattern(pattern: string, options: { readonly caseInsensitive: boolean }): CompiledPattern {
  if (utf8Length(pattern) > CONDITION_LIMITS.maxPatternBytes) {
    return {
      ok: false,
      reason: 'PATTERN_TOO_LONG',
      message: `the regular expression is longer than ${CONDITION_LIMITS.maxPatternBytes} bytes`,
    };
  }
  try {
    return { ok: true, regexp: RE2JS.compile(pattern, options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0) };
  } catch (error) {
    // re2js reports a syntax error by throwing; that is the answer to "is this valid RE2?".
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: 'INVALID_REGEXP', message: `not a valid RE2 regular expression: ${detail}` };
  }
}

const CACHE_SIZE = 512;
const cache = new Map<string, CompiledPattern>();

/**
 * A pattern compiled once and shared, the last {@link CACHE_SIZE} distinct ones kept (one dropped
 * stays with whoever holds it). For CEL's `matches()`, whose pattern is only known at evaluation;
 * and for REGEXP conditions, which often repeat a pattern across callbacks: one compiled program,
 * warm in the CPU's caches, rather than one per callback (matching with a program not used for a
 * while cost the matcher several times as much).
 */
export function cachedPattern(
  pattern: string,
  options: { readonly caseInsensitive: boolean } = { caseInsensitive: false },
): CompiledPattern {
  const key = `${options.caseInsensitive ? 'i' : '-'}${pattern}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compilePattern(pattern, options);
    if (cache.size >= CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, compiled);
  }
  return compiled;
}

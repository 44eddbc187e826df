/**
 * Text helpers shared by the comparisons: case folding, numbers, e-mail addresses, sizes.
 * Every function here runs in time linear in its input (no backtracking regular expressions).
 */

const NON_ASCII = /[\u0080-\uffff]/;
const FINAL_SIGMA = /ς/g;

/**
 * Folds text for case-insensitive comparison. ASCII text (the common case) is simply lower-cased.
 * Other text is upper-cased and lower-cased twice, so that full Unicode case mappings meet: `ß`,
 * `ẞ`, `SS` and `ss` fold alike, as do `ς`, `σ` and `Σ` (once is not enough: `ẞ` lower-cases to
 * `ß`, which upper-cases to `SS`). It is NFC-normalised before and after, so a precomposed `é`
 * equals `e` + combining accent, and case mappings that decompose (`ΐ` → `Ϊ́`) compose again.
 * The final-sigma rule of lower-casing is undone so that a substring folds as it does inside the
 * whole. Folding is stable: folding the result again changes nothing.
 */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFC')
    .toUpperCase()
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .normalize('NFC')
    .replace(FINAL_SIGMA, 'σ');
}

// Unambiguous on purpose: every character has one place in the pattern, so a failing match
// cannot backtrack quadratically on a long run of digits.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a field value as a number: an optional sign, digits with an optional decimal point, an
 * optional exponent; surrounding white space is ignored. Anything else (including `1,5`, hex,
 * `Infinity` and overflowing exponents) is not a number and gives `NaN`.
 */
export function parseNumber(text: string): number {
  const trimmed = text.trim();
  if (!NUMBER.test(trimmed)) return Number.NaN;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : Number.NaN;
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Letters and digits of any script, hyphens inside; at most 63 characters (RFC 1035 label).
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const ALL_DIGITS = /^\d+$/;

/**
 * A pragmatic e-mail address check, the kind a sign-up form does: `local@domain.tld` with an
 * RFC 5322 dot-atom local part (no quoted forms), a domain of at least two labels and a top-level
 * label that is not numeric. Internationalised domain names are accepted. No white space is
 * trimmed: ` piet@example.com` is not an address.
 */
export function isEmailAddress(text: string): boolean {
  if (text.length > 254) return false;
  const at = text.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  if (!LOCAL_PART.test(text.slice(0, at))) return false;
  const labels = text.slice(at + 1).split('.');
  if (labels.length < 2) return false;
  for (const label of labels) if (!DOMAIN_LABEL.test(label)) return false;
  return !ALL_DIGITS.test(labels.at(-1) ?? '');
}

/** The UTF-8 encoded length of text, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Quotes a value for a human-readable description: `"piet"`. */
export function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Request headers as receivers hold them: Node's `IncomingHttpHeaders` (lowercase keys, repeated
 * headers joined), Node's `headersDistinct` (every value kept, so repeats are visible), a plain
 * object with keys in any case, or a fetch-style `Headers` with `get`.
 */
export type HeaderValue = string | readonly string[] | number | undefined;

export interface HeadersLike {
  get(name: string): string | null;
}

export type RequestHeaders = Readonly<Record<string, HeaderValue>> | HeadersLike;

/** Marks a header that was given more than once. */
export const REPEATED: unique symbol = Symbol('repeated header');

/** One header's trimmed value, `undefined` when absent, `REPEATED` when given more than once. Takes the lowercase name. */
export type HeaderLookup = (lowercaseName: string) => string | undefined | typeof REPEATED;

/**
 * Indexes one request's headers for case-insensitive lookup. Keys that differ only in case are
 * the same header, so `{ Date, date }` counts as a repeat. A fetch `Headers` joins repeats with
 * ", ", so there a repeat shows up as one odd value rather than as two.
 */
export function lookupHeaders(headers: RequestHeaders): HeaderLookup {
  if (isHeadersLike(headers)) {
    return (name) => headers.get(name)?.trim();
  }
  // Node lowercases every key; only hand-built objects pay for the merged index.
  if (allKeysLowercase(headers)) return (name) => single(headers[name]);

  const merged = new Map<string, string | typeof REPEATED>();
  for (const [key, value] of Object.entries(headers)) {
    const one = single(value);
    if (one === undefined) continue;
    const name = key.toLowerCase();
    merged.set(name, merged.has(name) ? REPEATED : one);
  }
  return (name) => merged.get(name);
}

// Receivers see the same few dozen header names on every request: remember the ones known to be
// lowercase, so that most keys cost a set lookup instead of a `toLowerCase` (bounded: senders choose names).
const lowercaseNames = new Set<string>();

function allKeysLowercase(headers: Readonly<Record<string, HeaderValue>>): boolean {
  for (const key in headers) {
    if (lowercaseNames.has(key)) continue;
    if (key.toLowerCase() !== key) return false;
    if (lowercaseNames.size >= 256) lowercaseNames.clear();
    lowercaseNames.add(key);
  }
  return true;
}

function single(value: HeaderValue): string | undefined | typeof REPEATED {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  if (value.length > 1) return REPEATED;
  return value[0]?.trim();
}

function isHeadersLike(headers: RequestHeaders): headers is HeadersLike {
  return typeof (headers as { get?: unknown }).get === 'function';
}

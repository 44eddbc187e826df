import { REQUEST_TARGET } from './scheme';

/**
 * The draft-cavage signing string (§2.3): one `lowercase-name: value` line per listed header, in
 * the listed order, joined with `\n` and no trailing newline; `(request-target)` is the lowercase
 * method, a space and the path with its query, exactly as on the request line.
 *
 * `lineStarts` (from `signingStringLineStarts`) may be passed by callers that build strings for the
 * same list again and again, as the signer and the verifier do: it halves the pieces joined.
 */
export function buildSigningString(
  headerNames: readonly string[],
  method: string,
  pathWithQuery: string,
  valueOf: (lowercaseName: string, index: number) => string,
  lineStarts: readonly string[] = signingStringLineStarts(headerNames),
): string {
  // Plain += (no template literals): the verifier builds one per request and this is the cheapest form.
  let out = '';
  for (let index = 0; index < headerNames.length; index++) {
    const name = headerNames[index] ?? '';
    out += lineStarts[index];
    out += name === REQUEST_TARGET ? method.toLowerCase() + ' ' + pathWithQuery : valueOf(name, index);
  }
  return out;
}

/** What each line of the signing string starts with: the separating `\n` (but on the first), the name and `: `. */
export function signingStringLineStarts(headerNames: readonly string[]): readonly string[] {
  return headerNames.map((name, index) => `${index > 0 ? '\n' : ''}${name}: `);
}

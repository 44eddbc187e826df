import { REQUEST_TARGET } from './scheme';

/**
 * The draft-cavage signing string (§2.3): one `lowercase-name: value` line per listed header, in
 * the listed order, joined with `\n` and no trailing newline; `(request-target)` is the lowercase
 * method, a space and the path with its query, exactly as on the request line.
 */
export function buildSigningString(
  headerNames: readonly string[],
  method: string,
  pathWithQuery: string,
  valueOf: (lowercaseName: string, index: number) => string,
): string {
  // Plain += (no template literals): the verifier builds one per request and this is the cheapest form.
  let out = '';
  for (let index = 0; index < headerNames.length; index++) {
    const name = headerNames[index] ?? '';
    if (index > 0) out += '\n';
    out += name;
    out += ': ';
    out += name === REQUEST_TARGET ? method.toLowerCase() + ' ' + pathWithQuery : valueOf(name, index);
  }
  return out;
}

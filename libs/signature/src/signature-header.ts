/**
 * The `Signature` header of draft-cavage-http-signatures (§2.1, §4.1):
 * `keyId="…",algorithm="rsa-sha256",headers="(request-target) host …",signature="<base64>"`.
 */

export interface SignatureParameters {
  readonly keyId: string;
  readonly algorithm: string | undefined;
  /** Lowercased header names in signing order; `undefined` when the parameter is absent. */
  readonly headers: readonly string[] | undefined;
  readonly signature: string;
}

export function formatSignatureHeader(params: {
  keyId: string;
  algorithm: string;
  headers: readonly string[];
  signature: string;
}): string {
  return `keyId="${params.keyId}",algorithm="${params.algorithm}",headers="${params.headers.join(' ')}",signature="${params.signature}"`;
}

export type ParsedSignatureHeader =
  { readonly ok: true; readonly params: SignatureParameters } | { readonly ok: false; readonly message: string };

const KNOWN = new Set(['keyid', 'algorithm', 'headers', 'signature', 'created', 'expires']);

/**
 * Parses the header value. Tolerates optional whitespace around names, `=` and commas, parameter
 * names in any case, unquoted token values and quoted-pair escapes. Unknown parameters are ignored
 * and a known parameter given twice makes the header unusable (draft-cavage §2.2).
 */
export function parseSignatureHeader(value: string): ParsedSignatureHeader {
  const signerForm = parseSignerForm(value);
  if (signerForm) return signerForm;

  const seen = new Map<string, string>();
  const length = value.length;
  let i = 0;
  while (i < length) {
    i = skipSpaces(value, i);
    const nameStart = i;
    while (i < length && isTokenChar(value.charCodeAt(i))) i++;
    if (i === nameStart) return fail(`expected a parameter name at offset ${i}`);
    const name = value.slice(nameStart, i).toLowerCase();
    i = skipSpaces(value, i);
    if (value[i] !== '=') return fail(`expected "=" after ${name}`);
    i = skipSpaces(value, i + 1);
    let paramValue: string;
    if (value[i] === '"') {
      const quoted = readQuoted(value, i + 1);
      if (quoted === undefined) return fail(`unterminated quoted value of ${name}`);
      [paramValue, i] = quoted;
    } else {
      const valueStart = i;
      while (i < length && isTokenChar(value.charCodeAt(i))) i++;
      paramValue = value.slice(valueStart, i);
    }
    if (KNOWN.has(name)) {
      if (seen.has(name)) return fail(`parameter ${name} appears more than once`);
      seen.set(name, paramValue);
    }
    i = skipSpaces(value, i);
    if (i < length) {
      if (value[i] !== ',') return fail(`expected "," after ${name}`);
      i++;
    }
  }

  const keyId = seen.get('keyid');
  const signature = seen.get('signature');
  if (!keyId) return fail('keyId is missing or empty');
  if (!signature) return fail('signature is missing or empty');
  return withHeaderList(keyId, seen.get('algorithm'), signature, seen.get('headers'));
}

/**
 * Exactly what `formatSignatureHeader` writes, read with a few `indexOf`s: verifiers see this
 * form on every request, so it skips the general scanner. Anything else returns `undefined`.
 */
function parseSignerForm(value: string): ParsedSignatureHeader | undefined {
  const last = lastSignerPrefix;
  // Not `startsWith`, which V8 runs a character at a time: comparing a slice is several times faster here.
  if (last !== undefined && value.slice(0, last.text.length) === last.text) return withNewSignature(value, last);
  // A backslash would start an escape: such values take the general scanner, which unescapes.
  if (!value.startsWith('keyId="') || value.includes('\\')) return undefined;
  const keyIdEnd = value.indexOf('"', 7);
  if (keyIdEnd < 0 || !value.startsWith('",algorithm="', keyIdEnd)) return undefined;
  const algorithmEnd = value.indexOf('"', keyIdEnd + 13);
  if (algorithmEnd < 0 || !value.startsWith('",headers="', algorithmEnd)) return undefined;
  const headersEnd = value.indexOf('"', algorithmEnd + 11);
  if (headersEnd < 0 || !value.startsWith('",signature="', headersEnd)) return undefined;
  const signatureEnd = value.indexOf('"', headersEnd + 13);
  if (signatureEnd !== value.length - 1) return undefined;
  const keyId = value.slice(7, keyIdEnd);
  const signature = value.slice(headersEnd + 13, signatureEnd);
  if (keyId === '' || signature === '') return undefined;
  const parsed = withHeaderList(
    keyId,
    value.slice(keyIdEnd + 13, algorithmEnd),
    signature,
    value.slice(algorithmEnd + 11, headersEnd),
  );
  if (parsed.ok) lastSignerPrefix = { text: value.slice(0, headersEnd + 13), params: parsed.params };
  return parsed;
}

/** Everything up to `signature="` of a header in the signer's form, and what it parsed to. */
interface SignerPrefix {
  readonly text: string;
  readonly params: SignatureParameters;
}

// A sender writes the same keyId, algorithm and header list on every request, so the prefix
// repeats: remember the last one. Its parameters are shared between results, like the header list below.
let lastSignerPrefix: SignerPrefix | undefined;

/** `value` starts with `prefix.text`, so only its signature is new; `undefined` unless that is `<non-empty>"` without escapes. */
function withNewSignature(value: string, prefix: SignerPrefix): ParsedSignatureHeader | undefined {
  const start = prefix.text.length;
  const end = value.length - 1;
  if (end <= start || value.indexOf('"', start) !== end || value.indexOf('\\', start) >= 0) return undefined;
  const { keyId, algorithm, headers } = prefix.params;
  return { ok: true, params: { keyId, algorithm, headers, signature: value.slice(start, end) } };
}

function withHeaderList(
  keyId: string,
  algorithm: string | undefined,
  signature: string,
  headerList: string | undefined,
): ParsedSignatureHeader {
  const headers = headerList === undefined ? undefined : headerNames(headerList);
  if (headers === null) return fail('headers lists a name twice');
  return { ok: true, params: { keyId, algorithm, headers, signature } };
}

// A sender signs the same header list on every request: remember the last one split. The array
// is shared between results, so callers (this package only) must not change it.
let lastList: string | undefined;
let lastNames: readonly string[] | null = null;

/** The lowercased names of a `headers` list, or `null` when a name repeats. */
function headerNames(list: string): readonly string[] | null {
  if (list !== lastList) {
    const names = splitHeaderList(list);
    // Not frozen: V8 iterates frozen arrays several times slower, and callers only read it.
    lastNames = hasRepeats(names) ? null : names;
    lastList = list;
  }
  return lastNames;
}

function splitHeaderList(list: string): string[] {
  const lower = list.toLowerCase();
  // The signer separates with single spaces; other spacing takes the slower, tolerant split.
  const names =
    lower.includes('  ') || lower.includes('\t') || lower.trim() !== lower ? lower.split(/[ \t]+/) : lower.split(' ');
  return names.filter((name) => name !== '');
}

/** A handful of names: a quadratic scan beats building a Set. */
function hasRepeats(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names.lastIndexOf(names[i - 1] ?? '') >= i) return true;
  return false;
}

/** Reads a quoted-string body starting after the opening quote; returns [value, index after closing quote]. */
function readQuoted(value: string, start: number): [string, number] | undefined {
  // Fast path: no escape before the closing quote, which is every value a signer writes.
  const close = value.indexOf('"', start);
  if (close < 0) return undefined;
  const escape = value.indexOf('\\', start);
  if (escape < 0 || escape > close) return [value.slice(start, close), close + 1];
  let out = '';
  let from = start;
  for (let i = start; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      out += value.slice(from, i);
      from = i + 1;
      i++;
    } else if (c === '"') {
      return [out + value.slice(from, i), i + 1];
    }
  }
  return undefined;
}

function skipSpaces(value: string, i: number): number {
  while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
  return i;
}

/** RFC 9110 tchar, which covers parameter names and unquoted values. */
function isTokenChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

function fail(message: string): ParsedSignatureHeader {
  return { ok: false, message };
}

/**
 * The part of RFC 8941 (Structured Field Values) that `Signature-Input`, `Signature` and
 * `Content-Digest` use: a dictionary whose members are byte sequences or inner lists of strings,
 * with parameters. Anything else fails to parse rather than being guessed at.
 */

export type BareItem = string | number | boolean | Uint8Array | { readonly token: string };
export type Parameters = readonly (readonly [string, BareItem])[];
export type Member =
  | { readonly kind: 'item'; readonly value: BareItem; readonly params: Parameters }
  | { readonly kind: 'inner-list'; readonly items: readonly BareItem[]; readonly params: Parameters };

export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

/** Parses a dictionary field; a repeated key keeps the last value, as RFC 8941 says. */
export function parseDictionary(input: string): Map<string, Member> {
  const parser = new Parser(input);
  const members = new Map<string, Member>();
  parser.skipSpaces();
  while (!parser.done()) {
    const key = parser.key();
    let member: Member;
    if (parser.peek() === '=') {
      parser.expect('=');
      member = parser.peek() === '(' ? parser.innerList() : parser.item();
    } else {
      member = { kind: 'item', value: true, params: parser.params() };
    }
    members.set(key, member);
    parser.skipSpaces();
    if (parser.done()) break;
    parser.expect(',');
    parser.skipSpaces();
    if (parser.done()) throw new StructuredFieldError('a trailing comma');
  }
  return members;
}

/** Serializes an inner list of strings with parameters, as `@signature-params` needs it. */
export function serializeInnerList(items: readonly BareItem[], params: Parameters): string {
  return `(${items.map(serializeBareItem).join(' ')})${serializeParams(params)}`;
}

function serializeParams(params: Parameters): string {
  return params.map(([name, value]) => (value === true ? `;${name}` : `;${name}=${serializeBareItem(value)}`)).join('');
}

function serializeBareItem(value: BareItem): string {
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (value instanceof Uint8Array) return `:${Buffer.from(value).toString('base64')}:`;
  return value.token;
}

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }
  peek(): string {
    return this.text[this.at] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.at++;
  }
  expect(char: string): void {
    if (this.peek() !== char) throw new StructuredFieldError(`expected "${char}" at ${this.at}`);
    this.at++;
  }
  private take(pattern: RegExp, what: string): string {
    pattern.lastIndex = this.at;
    const match = pattern.exec(this.text);
    if (!match) throw new StructuredFieldError(`expected ${what} at ${this.at}`);
    this.at += match[0].length;
    return match[0];
  }

  key(): string {
    return this.take(/[a-z*][a-z0-9_\-.*]*/y, 'a key');
  }

  innerList(): Member {
    this.expect('(');
    const items: BareItem[] = [];
    for (;;) {
      while (this.peek() === ' ') this.at++;
      if (this.peek() === ')') break;
      items.push(this.bareItem());
      this.params(); // component parameters (;sf, ;key, …) are not part of this scheme's coverage
      if (this.peek() !== ' ' && this.peek() !== ')')
        throw new StructuredFieldError(`expected " " or ")" at ${this.at}`);
    }
    this.expect(')');
    return { kind: 'inner-list', items, params: this.params() };
  }

  item(): Member {
    return { kind: 'item', value: this.bareItem(), params: this.params() };
  }

  params(): Parameters {
    const params: [string, BareItem][] = [];
    while (this.peek() === ';') {
      this.at++;
      this.skipSpaces();
      const name = this.key();
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.at++;
        value = this.bareItem();
      }
      params.push([name, value]);
    }
    return params;
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === ':') {
      const text = this.take(/:[A-Za-z0-9+/=]*:/y, 'a byte sequence');
      return new Uint8Array(Buffer.from(text.slice(1, -1), 'base64'));
    }
    if (c === '?') return this.take(/\?[01]/y, 'a boolean') === '?1';
    if (c === '-' || (c >= '0' && c <= '9')) return Number(this.take(/-?\d{1,15}(\.\d{1,3})?/y, 'a number'));
    return { token: this.take(/[A-Za-z*][\w:/!#$%&'*+\-.^`|~]*/y, 'a token') };
  }

  private string(): string {
    this.at++;
    let out = '';
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined) throw new StructuredFieldError('an unterminated string');
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.text[this.at++];
        if (next !== '"' && next !== '\\') throw new StructuredFieldError('a bad escape in a string');
        out += next;
      } else if (c < ' ' || c > '~') {
        throw new StructuredFieldError('a non-printable character in a string');
      } else out += c;
    }
  }
}

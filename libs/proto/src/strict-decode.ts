import {
  createFileRegistry,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  fromJson,
  type JsonValue,
} from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadDescriptorSet } from './descriptor';

/** Bytes that are not a valid encoding of the message; `field` names an invalid string, when that is the problem. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
  constructor(
    message: string,
    /** The field's path in .proto names (`callback.url`, `fields.city`), or '' when no field is to blame. */
    readonly field: string,
  ) {
    super(message);
  }
}

/** What a string with invalid UTF-8 decodes to: a lone surrogate, which no valid UTF-8 can produce. */
const INVALID = '\uD800';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a ts-proto message as protobuf requires and ts-proto's decoder does not check:
 * - every string is valid UTF-8 (ts-proto substitutes U+FFFD, so a bad id, URL or field value
 *   would silently become another one);
 * - the message ends where the bytes end (ts-proto stops at a zero or end-group tag without a
 *   word, dropping the rest, and reads a nested message cut short as if it were complete).
 * `typeName` (`callbacks.events.v1.ProfileEvent`) lets an error name the bad field. Costs
 * nothing extra on valid input. Throws MalformedMessageError, or the decoder's own error.
 */
export function decodeStrict<T>(decode: (reader: BinaryReader) => T, bytes: Uint8Array, typeName: string): T {
  let invalidUtf8 = false;
  const reader = new BinaryReader(bytes, (data) => {
    try {
      return utf8.decode(data);
    } catch {
      invalidUtf8 = true;
      return INVALID;
    }
  });
  const message = decode(reader);
  if (invalidUtf8) {
    const desc = registry().getMessage(typeName);
    const field = (desc && invalidStringIn(desc, message, '')) ?? '';
    throw new MalformedMessageError(`${field || 'a string field'} is not valid UTF-8`, field);
  }
  if (reader.pos !== reader.len) {
    throw new MalformedMessageError(
      `not a valid ${typeName}: its encoding stops at byte ${reader.pos} of ${reader.len}`,
      '',
    );
  }
  return message;
}

/**
 * Reads a message from its proto3 JSON form as the JSON mapping requires and ts-proto's
 * `fromJSON` does not check: a field of the wrong type (`"fields": "x"`, a number where a string
 * belongs), an unknown field, an unknown enum name or a malformed timestamp is an error, not a
 * silent default. `json` is the parsed body; `fromJSON` builds the ts-proto object once it passed.
 * Throws MalformedMessageError with the JSON parser's account of the first problem.
 */
export function fromJsonStrict<T>(fromJSON: (json: unknown) => T, json: unknown, typeName: string): T {
  const desc = registry().getMessage(typeName);
  if (!desc) throw new Error(`${typeName} is not a message of the descriptor set`);
  try {
    fromJson(desc, json as JsonValue);
  } catch (error) {
    throw new MalformedMessageError(`not a valid ${typeName} in JSON: ${(error as Error).message}`, '');
  }
  return fromJSON(json);
}

let files: FileRegistry | undefined;

/** Every message of our .proto files, read once, when first needed. */
export function registry(): FileRegistry {
  files ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, loadDescriptorSet()));
  return files;
}

/** The path of the first string in a decoded ts-proto message that held invalid UTF-8. */
function invalidStringIn(desc: DescMessage, message: unknown, path: string): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const record = message as Record<string, unknown>;
  for (const member of desc.members) {
    if (member.kind === 'oneof') {
      // ts-proto's `oneof=unions-value`: { $case: <field's local name>, value }
      const union = record[member.localName] as { $case: string; value: unknown } | undefined;
      const field = member.fields.find((f) => f.localName === union?.$case);
      const found = field && invalidValueIn(field, union?.value, join(path, field.name));
      if (found !== undefined) return found;
    } else {
      const found = invalidValueIn(member, record[member.localName], join(path, member.name));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function invalidValueIn(field: DescField, value: unknown, path: string): string | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return value === INVALID ? path : undefined;
    case 'enum':
      return undefined;
    case 'message':
      // ts-proto turns a google.protobuf.FieldMask into its paths, a string[].
      if (Array.isArray(value))
        return invalidItemIn(value, `${path}.paths`, (item, at) => (item === INVALID ? at : undefined));
      return invalidStringIn(field.message, value, path);
    case 'list': {
      const list = Array.isArray(value) ? value : [];
      if (field.listKind === 'message')
        return invalidItemIn(list, path, (item, at) => invalidStringIn(field.message, item, at));
      return invalidItemIn(list, path, (item, at) => (item === INVALID ? at : undefined));
    }
    case 'map':
      for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (key === INVALID) return path;
        const found =
          field.mapKind === 'message'
            ? invalidStringIn(field.message, item, `${path}.${key}`)
            : item === INVALID
              ? `${path}.${key}`
              : undefined;
        if (found !== undefined) return found;
      }
      return undefined;
  }
}

function invalidItemIn(
  list: readonly unknown[],
  path: string,
  check: (item: unknown, at: string) => string | undefined,
): string | undefined {
  for (let i = 0; i < list.length; i++) {
    const found = check(list[i], `${path}[${i}]`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

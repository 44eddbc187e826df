import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  type Message,
  ScalarType,
  toJson,
} from '@bufbuild/protobuf';
import { MalformedMessageError, registry } from './strict-decode';

/**
 * proto3 JSON read and written by the descriptors of our .proto files (@bufbuild/protobuf's
 * spec-compliant reader and writer), for transports that speak JSON: an unknown field, a value of
 * the wrong type, an unknown enum name, a malformed time or field mask, or a string that is not
 * valid Unicode is refused, and the error names the field's path in .proto names
 * (`callback.condition.rules[0].name`), as validation violations do.
 */

/** JSON that is not the proto3 JSON of the message: `field` (a .proto path, '' for the whole) and what is wrong with it. */
export class InvalidJsonError extends MalformedMessageError {
  constructor(
    field: string,
    /** Without the field's name: `must be a JSON object`, `cannot be 5: expected a string`. */
    readonly description: string,
  ) {
    super(`${field || 'the message'} ${description}`, field);
  }
}

/** A message of the descriptor set by its full name (`callbacks.v1.Callback`). */
export function messageDesc(typeName: string): DescMessage {
  const desc = registry().getMessage(typeName);
  if (!desc) throw new Error(`${typeName} is not a message of the descriptor set`);
  return desc;
}

/** Reads `json` (already parsed) as a `desc`; throws InvalidJsonError naming the first bad field. */
export function readJson(desc: DescMessage, json: unknown): Message {
  try {
    if (!hasLoneSurrogate(json)) return fromJson(desc, json as JsonValue, { registry: registry() });
  } catch {
    // Located below.
  }
  const problem = problemIn(desc, json, '') ?? { field: '', description: `is not a valid ${desc.typeName} in JSON` };
  throw new InvalidJsonError(problem.field, problem.description);
}

/** The canonical proto3 JSON of a message, every field written (zeros and empty lists too, so clients see the whole shape). */
export function writeJson(desc: DescMessage, message: Message): JsonValue {
  return toJson(desc, message, { registry: registry(), alwaysEmitImplicit: true });
}

interface Problem {
  field: string;
  description: string;
}

/** Messages whose JSON form is not an object of their fields (Timestamp, FieldMask, Struct, wrappers…): read whole. */
function hasSpecialJson(desc: DescMessage): boolean {
  return desc.file.name.startsWith('google/protobuf/') && desc.typeName !== 'google.protobuf.Empty';
}

function problemIn(desc: DescMessage, json: unknown, path: string): Problem | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { field: path, description: `must be a JSON object (${desc.typeName})` };
  }
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field) return { field: join(path, key), description: `is not a field of ${desc.typeName}` };
    const at = join(path, field.name);
    if (!readsAlone(desc, key, value)) return problemInValue(desc, field, key, value, at);
  }
  return undefined;
}

function problemInValue(desc: DescMessage, field: DescField, key: string, value: unknown, at: string): Problem {
  switch (field.fieldKind) {
    case 'message':
      if (!hasSpecialJson(field.message) && isObject(value))
        return problemIn(field.message, value, at) ?? leaf(field, value, at);
      return leaf(field, value, at);
    case 'list':
      if (!Array.isArray(value)) return { field: at, description: 'must be a JSON array' };
      for (const [i, item] of value.entries()) {
        if (readsAlone(desc, key, [item])) continue;
        const itemAt = `${at}[${i}]`;
        if (field.listKind === 'message' && !hasSpecialJson(field.message) && isObject(item)) {
          return problemIn(field.message, item, itemAt) ?? leaf(field, item, itemAt);
        }
        return leaf(field, item, itemAt);
      }
      return leaf(field, value, at);
    case 'map':
      if (!isObject(value)) return { field: at, description: 'must be a JSON object (a map)' };
      for (const [k, item] of Object.entries(value)) {
        if (readsAlone(desc, key, { [k]: item })) continue;
        const itemAt = `${at}.${k}`;
        if (hasLoneSurrogate(k))
          return { field: at, description: 'has a key that is not valid Unicode (a lone surrogate)' };
        if (field.mapKind === 'message' && !hasSpecialJson(field.message) && isObject(item)) {
          return problemIn(field.message, item, itemAt) ?? leaf(field, item, itemAt);
        }
        return leaf(field, item, itemAt);
      }
      return leaf(field, value, at);
    default:
      return leaf(field, value, at);
  }
}

/** Whether the message reads with only this one field set (and its strings are valid Unicode). */
function readsAlone(desc: DescMessage, key: string, value: unknown): boolean {
  if (hasLoneSurrogate(value)) return false;
  try {
    fromJson(desc, { [key]: value } as JsonValue, { registry: registry() });
    return true;
  } catch {
    return false;
  }
}

function leaf(field: DescField, value: unknown, at: string): Problem {
  if (hasLoneSurrogate(value))
    return { field: at, description: 'is not valid Unicode (a lone surrogate cannot be UTF-8)' };
  const shown = JSON.stringify(value) ?? String(value);
  const clipped = shown.length > 64 ? `${shown.slice(0, 63)}…` : shown;
  return { field: at, description: `cannot be ${clipped}: expected ${expected(field)}` };
}

function expected(field: DescField): string {
  const kind =
    field.fieldKind === 'list' ? field.listKind : field.fieldKind === 'map' ? field.mapKind : field.fieldKind;
  switch (kind) {
    case 'enum': {
      const desc =
        field.fieldKind === 'enum' || field.fieldKind === 'list' || field.fieldKind === 'map' ? field.enum : undefined;
      return desc ? `a ${desc.typeName} name` : 'an enum name';
    }
    case 'message': {
      const desc =
        field.fieldKind === 'message' || field.fieldKind === 'list' || field.fieldKind === 'map'
          ? field.message
          : undefined;
      return desc ? `a ${desc.typeName}` : 'a message';
    }
    default: {
      const scalar =
        field.fieldKind === 'scalar' || field.fieldKind === 'list' || field.fieldKind === 'map'
          ? field.scalar
          : undefined;
      return scalar === undefined ? 'a value' : SCALAR_NAMES[scalar];
    }
  }
}

const SCALAR_NAMES: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: 'a number',
  [ScalarType.FLOAT]: 'a number',
  [ScalarType.INT64]: 'a 64-bit integer (a number or a decimal string)',
  [ScalarType.UINT64]: 'an unsigned 64-bit integer (a number or a decimal string)',
  [ScalarType.INT32]: 'a 32-bit integer',
  [ScalarType.FIXED64]: 'an unsigned 64-bit integer (a number or a decimal string)',
  [ScalarType.FIXED32]: 'an unsigned 32-bit integer',
  [ScalarType.BOOL]: 'true or false',
  [ScalarType.STRING]: 'a string',
  [ScalarType.BYTES]: 'base64',
  [ScalarType.UINT32]: 'an unsigned 32-bit integer',
  [ScalarType.SFIXED32]: 'a 32-bit integer',
  [ScalarType.SFIXED64]: 'a 64-bit integer (a number or a decimal string)',
  [ScalarType.SINT32]: 'a 32-bit integer',
  [ScalarType.SINT64]: 'a 64-bit integer (a number or a decimal string)',
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON text may escape a lone surrogate (`"\ud800"`), which has no UTF-8 form: it would be stored as U+FFFD. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (isObject(value)) return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

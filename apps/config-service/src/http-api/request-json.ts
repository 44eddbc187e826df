import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { InvalidArgumentError, type Violation } from '@callbacks/domain';
import { fieldPath, type HttpRoute, UnknownFieldError } from './routes';

/**
 * The proto3 JSON of a method's request from an HTTP request, as AIP-127 transcoding builds it:
 * the body fills the rule's body field (or the whole request for `*`), path variables their
 * fields, and the query the fields neither binds (a dotted field path each, repeated for a list,
 * `map[key]=value` for a map entry).
 * Every conflict and unknown name is INVALID_ARGUMENT naming the field; the values' types are
 * left to the proto3 JSON reader, which names the field too.
 */
export function requestJson(
  route: HttpRoute,
  input: {
    variables: Map<string, string>;
    query: Record<string, string | string[] | undefined>;
    body: unknown;
    ifMatch: string | undefined;
  },
): Record<string, unknown> {
  const desc = route.method.input;
  let json: Record<string, unknown>;
  if (route.body === '*') {
    if (input.body !== undefined && !isObject(input.body))
      throw invalid('', 'MALFORMED_REQUEST', `the body must be a JSON object (${desc.typeName})`);
    json = isObject(input.body) ? { ...input.body } : {};
  } else {
    json = {};
    if (route.body !== '' && input.body !== undefined) json[route.body] = input.body;
    if (route.body === '' && input.body !== undefined) {
      throw invalid(
        '',
        'MALFORMED_REQUEST',
        `${route.verb} ${route.template} takes no body: give its fields in the query`,
      );
    }
  }

  const bound = new Set<string>();
  for (const [variable, raw] of input.variables) {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw invalid(variable, 'MALFORMED_REQUEST', 'is not a valid percent-encoded path segment');
    }
    setField(json, fieldPath(desc, variable), value, variable, 'path');
    bound.add(variable);
  }

  // A map field takes one query parameter per entry, `labels[team]=crm`, set together at the end.
  const maps = new Map<string, { fields: DescField[]; entries: Record<string, unknown> }>();
  for (const [key, raw] of Object.entries(input.query)) {
    if (raw === undefined) continue;
    if (route.body === '*')
      throw invalid(
        key,
        'UNKNOWN_QUERY_PARAMETER',
        `${route.verb} ${route.template} takes its fields in the body, not the query`,
      );
    const [, mapName, mapKey] = /^([^[\]]+)\[([^[\]]*)\]$/.exec(key) ?? [];
    let fields: DescField[];
    try {
      fields = fieldPath(desc, mapName ?? key);
    } catch (error) {
      if (error instanceof UnknownFieldError)
        throw invalid(key, 'UNKNOWN_QUERY_PARAMETER', `is not a field of ${desc.typeName}`);
      throw error;
    }
    const path = fields.map((f) => f.name).join('.');
    if (route.body !== '' && path.split('.')[0] === route.body)
      throw invalid(path, 'UNKNOWN_QUERY_PARAMETER', 'belongs in the body');
    const field = fields[fields.length - 1] as DescField;
    const values = Array.isArray(raw) ? raw : [raw];
    if (mapKey !== undefined) {
      if (field.fieldKind !== 'map' || field.mapKind === 'message')
        throw invalid(key, 'UNKNOWN_QUERY_PARAMETER', `${path} is not a map of values`);
      if (values.length > 1) throw invalid(`${path}.${mapKey}`, 'REPEATED_QUERY_PARAMETER', 'is given more than once');
      const map = maps.get(path) ?? { fields, entries: {} };
      map.entries[mapKey] = values[0];
      maps.set(path, map);
      continue;
    }
    let value: unknown;
    if (field.fieldKind === 'list') value = values.map((v) => queryValue(field, v));
    else if (field.fieldKind === 'map')
      throw invalid(path, 'UNSUPPORTED_QUERY_PARAMETER', `give each entry as ${path}[key]=value`);
    else if (field.fieldKind === 'message' && !field.message.file.name.startsWith('google/protobuf/')) {
      throw invalid(path, 'UNSUPPORTED_QUERY_PARAMETER', 'cannot be given in the query: give its fields');
    } else if (values.length > 1) throw invalid(path, 'REPEATED_QUERY_PARAMETER', 'is given more than once');
    else value = queryValue(field, values[0] ?? '');
    setField(json, fields, value, path, 'query');
  }
  for (const [path, { fields, entries }] of maps) setField(json, fields, entries, path, 'query');

  if (input.ifMatch !== undefined) applyIfMatch(desc, json, input.ifMatch);
  return json;
}

/**
 * `If-Match: "<revision>"` is the request's `expected_revision` (the ETag of a response is its
 * callback's revision); `*` asks for no check.
 */
function applyIfMatch(desc: DescMessage, json: Record<string, unknown>, header: string): void {
  const field = desc.fields.find((f) => f.name === 'expected_revision');
  if (!field) throw invalid('If-Match', 'UNSUPPORTED_PRECONDITION', 'this method has no revision to check');
  if (header.trim() === '*') return;
  const revision = /^\s*"([1-9][0-9]{0,17})"\s*$/.exec(header)?.[1];
  if (revision === undefined)
    throw invalid('If-Match', 'INVALID_ETAG', 'must be one strong entity tag, a revision: "3"');
  setField(json, [field], revision, 'expected_revision', 'If-Match header');
}

/** Query strings are text; proto3 JSON takes numbers as strings too, but booleans and enum numbers as JSON values. */
function queryValue(field: DescField, raw: string): unknown {
  const scalar =
    field.fieldKind === 'scalar' || (field.fieldKind === 'list' && field.listKind === 'scalar')
      ? field.scalar
      : undefined;
  const isEnum = field.fieldKind === 'enum' || (field.fieldKind === 'list' && field.listKind === 'enum');
  if (scalar === ScalarType.BOOL) return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (isEnum && /^-?[0-9]+$/.test(raw)) return Number(raw);
  return raw;
}

/** Sets a field (creating the messages on the way), refusing a different value that is already there. */
function setField(
  json: Record<string, unknown>,
  fields: DescField[],
  value: unknown,
  path: string,
  source: string,
): void {
  let target = json;
  for (const [i, field] of fields.entries()) {
    const key = [field.jsonName, field.name].find((k) => k in target) ?? field.jsonName;
    if (i === fields.length - 1) {
      if (key in target && JSON.stringify(target[key]) !== JSON.stringify(value)) {
        throw invalid(path, 'CONFLICTING_VALUES', `is given in the ${source} and differently elsewhere in the request`);
      }
      target[key] = value;
      return;
    }
    const next = target[key];
    if (next === undefined || next === null) target[key] = {};
    else if (!isObject(next))
      throw invalid(
        fields
          .slice(0, i + 1)
          .map((f) => f.name)
          .join('.'),
        'MALFORMED_REQUEST',
        'must be a JSON object',
      );
    else target[key] = { ...next };
    target = target[key] as Record<string, unknown>;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, reason: string, description: string): InvalidArgumentError {
  const violation: Violation = { field, reason, description };
  return new InvalidArgumentError([violation]);
}

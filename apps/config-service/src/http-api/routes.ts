import {
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
  getOption,
  toJson,
} from '@bufbuild/protobuf';
import { messageDesc } from '@callbacks/proto/proto-json';
import { registry } from '@callbacks/proto/strict-decode';

/**
 * The HTTP bindings of a service, read from its methods' `google.api.http` options (AIP-127), so
 * the routes are the contract's and nothing is written per method. Templates are the simple form
 * resource-oriented APIs use: literal segments, `{field.path}` variables of one segment, and a
 * custom verb (`/v1/callbacks/{callback_id}:test`).
 */

export type HttpVerb = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

export interface HttpRoute {
  verb: HttpVerb;
  /** As written in the .proto (`/v1/callbacks/{callback.id}`): the route's name in traces and metrics. */
  template: string;
  method: DescMethod;
  /** The request field the body fills: `*` (all but the path's), a field name, or '' (no body). */
  body: string;
  /** The path variables' values by field path, or undefined when the path is not this route's. */
  match(path: string): Map<string, string> | undefined;
}

interface HttpRuleJson {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  custom?: unknown;
  body?: string;
  additionalBindings?: HttpRuleJson[];
}

const VERBS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function serviceDesc(typeName: string): DescService {
  const service = registry().getService(typeName);
  if (!service) throw new Error(`${typeName} is not a service of the descriptor set`);
  return service;
}

/** Every binding of every method of the service that has one. */
export function httpRoutes(service: DescService): HttpRoute[] {
  const extension = registry().getExtension('google.api.http');
  if (!extension) throw new Error('google.api.http is not in the descriptor set');
  const ruleDesc = messageDesc('google.api.HttpRule');
  const routes: HttpRoute[] = [];
  for (const method of service.methods) {
    const rule = toJson(ruleDesc, getOption(method, extension) as never) as HttpRuleJson;
    for (const binding of [rule, ...(rule.additionalBindings ?? [])]) {
      const verb = VERBS.find((v) => binding[v] !== undefined);
      if (!verb) {
        if (binding === rule && Object.keys(rule).length === 0) break; // no http option: gRPC only
        throw new Error(`${method.name}: only get, put, post, delete and patch bindings are supported`);
      }
      routes.push(route(verb.toUpperCase() as HttpVerb, binding[verb] ?? '', method, binding.body ?? ''));
    }
  }
  return routes;
}

type Segment = { literal: string } | { variable: string };

function route(verb: HttpVerb, template: string, method: DescMethod, body: string): HttpRoute {
  // A custom verb follows the last segment: `…/{callback_id}:test`, `/v1/deliveries:replay`.
  const colon = template.indexOf(':', Math.max(template.lastIndexOf('/'), template.lastIndexOf('}')));
  const path = colon === -1 ? template : template.slice(0, colon);
  const customVerb = colon === -1 ? undefined : template.slice(colon + 1);
  if (!path.startsWith('/')) throw new Error(`${method.name}: cannot read the path template ${template}`);
  const segments: Segment[] = path
    .slice(1)
    .split('/')
    .map((part) => {
      const variable = /^\{([A-Za-z0-9_.]+)\}$/.exec(part)?.[1];
      if (variable) {
        fieldPath(method.input, variable); // fails at start-up on a name that is not a field
        return { variable };
      }
      if (/[{}*]/.test(part)) throw new Error(`${method.name}: unsupported template segment ${part} in ${template}`);
      return { literal: part };
    });
  if (body !== '' && body !== '*') fieldPath(method.input, body);
  return {
    verb,
    template,
    method,
    body,
    match(requestPath) {
      // As in the templates, a colon in the last segment starts its verb: `…/cb_1:explode` is
      // the verb `explode` on `/v1/callbacks/cb_1`, which no route has, not an odd id.
      const colon = requestPath.indexOf(':', requestPath.lastIndexOf('/'));
      if ((colon === -1 ? undefined : requestPath.slice(colon + 1)) !== customVerb) return undefined;
      const parts = (colon === -1 ? requestPath : requestPath.slice(0, colon)).split('/');
      if (parts[0] !== '' || parts.length !== segments.length + 1) return undefined;
      const variables = new Map<string, string>();
      for (const [i, segment] of segments.entries()) {
        const part = parts[i + 1] ?? '';
        if ('literal' in segment) {
          if (part !== segment.literal) return undefined;
        } else {
          if (part === '') return undefined;
          variables.set(segment.variable, part);
        }
      }
      return variables;
    },
  };
}

/** The fields along a dotted path of .proto or JSON names (`callback.id`, `deliveryPolicy.timeout`). */
export function fieldPath(desc: DescMessage, path: string): DescField[] {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = desc;
  for (const name of path.split('.')) {
    const field: DescField | undefined = message?.fields.find((f) => f.name === name || f.jsonName === name);
    if (!field) throw new UnknownFieldError(path);
    fields.push(field);
    message = field.fieldKind === 'message' ? field.message : undefined;
  }
  return fields;
}

export class UnknownFieldError extends Error {
  override readonly name = 'UnknownFieldError';
  constructor(readonly path: string) {
    super(`${path} is not a field`);
  }
}

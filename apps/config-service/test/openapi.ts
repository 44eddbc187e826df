import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * The generated OpenAPI document (libs/proto/src/gen/openapi.yaml) as a response validator:
 * each answer is checked against the schema the document gives its operation and status (or
 * `default`, the google.rpc.Status of errors). Objects are closed (`additionalProperties: false`
 * where the document leaves it open), so a field the document does not know fails too.
 */
interface Operation {
  responses: Record<string, { content?: { 'application/json'?: { schema: { $ref: string } } } }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export class OpenApiDocument {
  readonly document: Document;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly paths: { template: string; pattern: RegExp }[];

  constructor(file = new URL('../../../libs/proto/src/gen/openapi.yaml', import.meta.url)) {
    this.document = parse(readFileSync(file, 'utf8')) as Document;
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(this.ajv);
    // protoc-gen-openapi's own formats: the type says all there is to check.
    for (const format of ['enum', 'field-mask', 'int32', 'int64', 'double', 'float', 'bytes'])
      this.ajv.addFormat(format, true);
    const schemas = structuredClone(this.document.components.schemas);
    for (const schema of Object.values(schemas)) close(schema);
    this.ajv.addSchema({ $id: 'openapi.json', components: { schemas } });
    this.paths = Object.keys(this.document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/:]+')}$`),
    }));
  }

  /** The document's operation for a request (`GET /v1/callbacks/cb_1` → `/v1/callbacks/{id}`'s get). */
  operation(method: string, path: string): Operation | undefined {
    const verb = method.toLowerCase();
    return this.paths
      .filter((p) => p.pattern.test(path))
      .map((p) => this.document.paths[p.template]?.[verb])
      .find((op) => op !== undefined);
  }

  /** Errors of `body` against the response schema of (method, path, status); [] when valid. */
  check(method: string, path: string, status: number, body: unknown): string[] {
    const operation = this.operation(method, path);
    // No operation (an unknown route, a method the path does not have): still a google.rpc.Status.
    const ref = operation
      ? (operation.responses[String(status)] ?? operation.responses['default'])?.content?.['application/json']?.schema
          .$ref
      : '#/components/schemas/Status';
    if (ref === undefined) return [`the document has no response ${status} for ${method} ${path}`];
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${ref}` });
      this.compiled.set(ref, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
  }
}

function close(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as Record<string, unknown>;
  if (s['type'] === 'object' && s['properties'] !== undefined && s['additionalProperties'] === undefined)
    s['additionalProperties'] = false;
  for (const value of Object.values(s)) {
    if (Array.isArray(value)) value.forEach(close);
    else close(value);
  }
}

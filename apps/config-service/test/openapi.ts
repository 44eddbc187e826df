import { readFileSync } from 'node:fs';
import type { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { type Document, OpenAPIBackend, type Operation } from 'openapi-backend';
import { parse } from 'yaml';

/**
 * The generated OpenAPI document (libs/proto/src/gen/openapi.yaml) as a response validator, by
 * openapi-backend: it matches a request to the document's operation and checks the answer
 * against the schema of that status (or `default`, the google.rpc.Status of errors). Pinned at
 * 5.20.1, the last release whose dependencies all run on Node 20 (5.21 on takes
 * json-schema-ref-parser 16, which wants Node 22).
 *
 * What stays ours: objects are closed (`additionalProperties: false` where the document leaves it
 * open), so a field the document does not know fails too; an answer the document has no schema
 * for fails rather than passing unchecked, as openapi-backend would let it; and an answer to a
 * request the document has no operation for (an unknown route, a wrong method) is still checked
 * as a google.rpc.Status.
 */
export class OpenApiDocument {
  private constructor(
    private readonly api: OpenAPIBackend,
    private readonly status: (body: unknown) => string[],
  ) {}

  static async load(file = new URL('../../../libs/proto/src/gen/openapi.yaml', import.meta.url)) {
    const definition = parse(readFileSync(file, 'utf8')) as Document;
    close(definition);
    let ajv: Ajv | undefined;
    const api = new OpenAPIBackend({
      definition,
      strict: true,
      customizeAjv: (instance) => {
        addFormats.default(instance);
        // protoc-gen-openapi's own formats: the type says all there is to check.
        for (const format of ['enum', 'field-mask', 'bytes']) instance.addFormat(format, true);
        ajv = instance;
        return instance;
      },
    });
    await api.init();
    const status = api.definition.components?.schemas?.['Status'];
    if (!ajv || !status) throw new Error('the OpenAPI document has no google.rpc.Status schema');
    const validateStatus = ajv.compile(status);
    return new OpenApiDocument(api, (body) =>
      validateStatus(body) ? [] : (validateStatus.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`),
    );
  }

  /** The document's operation for a request (`GET /v1/callbacks/cb_1` → `/v1/callbacks/{id}`'s get). */
  operation(method: string, path: string): Operation | undefined {
    return this.api.matchOperation({ method, path, headers: {} });
  }

  /** Every operation of the document, by operationId. */
  operationIds(): string[] {
    return this.api
      .getOperations()
      .map((operation) => operation.operationId ?? `${operation.method} ${operation.path}`);
  }

  /** Errors of `body` against the response schema of (method, path, status); [] when valid. */
  check(method: string, path: string, status: number, body: unknown): string[] {
    const operation = this.operation(method, path);
    if (!operation) return this.status(body);
    const response = operation.responses?.[String(status)] ?? operation.responses?.['default'];
    if (!response || !('content' in response) || !response.content?.['application/json']?.schema)
      return [`the document has no response ${status} for ${method} ${path}`];
    const result = this.api.validateResponse(body, operation, status);
    return (result.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
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

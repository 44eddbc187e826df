import type { BinaryReader } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Violation } from '@callbacks/domain';
import { decodeStrict, MalformedMessageError } from '@callbacks/proto/strict-decode';

/**
 * What a request decodes to when its bytes are not the method's request message. grpc-js answers
 * a deserializer that throws with INTERNAL, which blames the server; the caller sent the bad bytes,
 * so the handler gets this instead and answers INVALID_ARGUMENT (see `unary` in callback-service).
 */
export class MalformedRequest {
  constructor(readonly violation: Violation) {}
}

/**
 * The service definition with strict request decoding (valid UTF-8, nothing after the message:
 * see decodeStrict), and malformed requests handed to the handler as MalformedRequest.
 */
export function withStrictRequests<S extends ServiceDefinition>(definition: S): S {
  const methods = Object.entries(definition).map(([name, method]) => {
    // buf's STANDARD lint makes every request `<package>.<Method>Request`.
    const [, service = '', rpc = ''] = /^\/(.+)\/([^/]+)$/.exec(method.path) ?? [];
    const typeName = `${service.slice(0, service.lastIndexOf('.'))}.${rpc}Request`;
    // ts-proto's generated deserializer is `(bytes) => X.decode(bytes)`, and X.decode reads from a BinaryReader too.
    const decode = (reader: BinaryReader): unknown => method.requestDeserialize(reader as unknown as Buffer);
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        return decodeStrict(decode, bytes, typeName);
      } catch (error) {
        return new MalformedRequest(violationOf(error, typeName));
      }
    };
    return [name, { ...method, requestDeserialize }];
  });
  return Object.fromEntries(methods) as S;
}

function violationOf(error: unknown, typeName: string): Violation {
  if (error instanceof MalformedMessageError && error.field !== '') {
    return { field: error.field, reason: 'INVALID_UTF8', description: 'is not valid UTF-8 (protobuf strings must be)' };
  }
  const problem =
    error instanceof MalformedMessageError ? error.message : `not a valid ${typeName}: ${(error as Error).message}`;
  return { field: '', reason: 'MALFORMED_REQUEST', description: `cannot be decoded (${problem})` };
}

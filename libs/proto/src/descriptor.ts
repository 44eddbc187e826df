import { readFileSync } from 'node:fs';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * The descriptor set of every .proto file (`buf build` output), for gRPC server reflection.
 * Read from disk rather than embedded so that it stays byte-identical to what buf produced.
 */
export function loadDescriptorSet(): Buffer {
  return readFileSync(new URL('./gen/descriptor.binpb', import.meta.url));
}

/** The descriptor set of `grpc.health.v1` (built by buf from grpc-health-check's health.proto). */
export function loadHealthDescriptorSet(): Buffer {
  return readFileSync(new URL('./gen/health.binpb', import.meta.url));
}

/**
 * The encoded FileDescriptorProtos of the set, exactly as buf wrote them: the original file
 * names and imports, which reflection clients such as grpcurl need to resolve every type.
 */
export function fileDescriptorProtos(set: Uint8Array = loadDescriptorSet()): Buffer[] {
  const reader = new BinaryReader(set);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    // FileDescriptorSet: `repeated FileDescriptorProto file = 1;` (buf images add fields we skip).
    if (field === 1 && wireType === WireType.LengthDelimited) files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return files;
}

import { readFileSync } from 'node:fs';

/**
 * The descriptor set of every .proto file (`buf build` output), for gRPC server reflection.
 * Read from disk rather than embedded so that it stays byte-identical to what buf produced.
 */
export function loadDescriptorSet(): Buffer {
  return readFileSync(new URL('./gen/descriptor.binpb', import.meta.url));
}

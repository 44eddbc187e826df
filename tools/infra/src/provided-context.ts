/** What the global set-up hands to integration tests through vitest's `inject`. */
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** nats://127.0.0.1:<port> of a nats-server with JetStream shared by the project's test files. */
    natsUrl: string;
    /** mongodb://127.0.0.1:<port>/ of the MongoDB-wire server shared by the project's test files. */
    mongoUrl: string;
  }
}

export {};

export * from './grpc';
export * from './fixtures';
export * from './processes';
export * from './jetstream';
export * from './config-service';
export * from './dns-server';
export * from './bench';
export * from './receiver';

export * from './subjects';
export * from './connection';
export * from './streams';
export * from './event-publisher';
export * from './acked-publisher';
export * from './consume-loop';
export * from './callbacks-bucket';

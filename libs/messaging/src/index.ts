export * from './subjects';
export * from './connection';
export * from './streams';
export * from './event-publisher';
export * from './acked-publisher';
export * from './delivery-messages';
export * from './consume-loop';
export * from './callbacks-bucket';

export * from './otlp-receiver';
export * from './webhook-receiver';
export * from './system';
export * from './prometheus';

export * from './otlp-receiver';
export * from './webhook-receiver';
export * from './prometheus';

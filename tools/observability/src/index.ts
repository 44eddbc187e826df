export * from './otlp-receiver';
export * from './prometheus';

export * from './ids';
export * from './violations';
export * from './errors';
export * from './events';
export * from './times';
export * from './callback-target';
export * from './durations';
export * from './delivery-policy';

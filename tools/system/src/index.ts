export * from './system';
export * from './receiver';

export * from './servers';
export * from './test-helpers';

export * from './servers';
export * from './test-helpers';
export * from './clickhouse';

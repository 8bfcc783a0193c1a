export * from './servers';
export * from './test-helpers';
export * from './clickhouse';
export * from './process-record';
export * from './launched-process';
export * from './fake-servers';

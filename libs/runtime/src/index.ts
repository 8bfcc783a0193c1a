/** libs/runtime: what every Ratel process shares to run (main, signals, periodic tasks, ops server, back-off, NATS). */
export * from './backoff';
export * from './concurrency';
export * from './main';
export * from './nats';
export * from './ops-server';
export * from './periodic-task';
export * from './sleep';

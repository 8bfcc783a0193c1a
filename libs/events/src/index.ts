export * from './ids';
export * from './subjects';
export * from './rated-event';
export * from './notification';
export * from './collections-event';
export * from './validate';
export { int64String, SAFE_MAX } from './fields';
export * from './pub-ack';
export * from './pub-ack-channel';

export * from './ids';
export * from './subjects';
export * from './rated-event';
export * from './notification';
export * from './validate';
export { int64String, MAX_SAFE } from './fields';
export * from './pub-ack';
export * from './pub-ack-channel';

/** @app/proto: the generated charging.v1 messages, enums, grpc-js service definition and client. */
export * from './generated/charging/v1/charging';
export * from './proto-files';
export { FILE_DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';

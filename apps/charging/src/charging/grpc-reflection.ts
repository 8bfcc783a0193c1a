/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha) served from the descriptor set protoc
 * wrote (`@app/proto` FILE_DESCRIPTOR_SET_BASE64, scripts/proto-gen.sh): protoc's own
 * FileDescriptorProtos, with fully-qualified type names and every import declared, and the
 * imported files themselves (google/protobuf/timestamp.proto). @grpc/reflection re-derives files
 * through protobufjs instead, which drops the imports and leaves type names relative, so protoc-
 * based clients (grpcurl `describe`, JSON invocation) refused to link what it served.
 *
 * As grpc-go does, a file is answered with those of its transitive imports not yet sent on the
 * stream. Extensions: charging.v1 declares none, so the extension queries answer NOT_FOUND / none.
 */
import { loadPackageDefinition, GrpcObject, Server, ServerDuplexStream, ServiceClientConstructor, status as Status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { join } from 'node:path';
import { FILE_DESCRIPTOR_SET_BASE64 } from '@app/proto';

interface ReflectionRequest {
  host?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
  message_request?: string;
}

interface ReflectionResponse {
  valid_host: string;
  original_request: ReflectionRequest;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_code: number; error_message: string };
}

/** The files of a descriptor set, indexed by name and by every fully-qualified symbol they declare. */
export class DescriptorIndex {
  readonly services: string[] = [];
  private readonly files = new Map<string, { proto: FileDescriptorProto; bytes: Buffer }>();
  private readonly symbols = new Map<string, string>();

  constructor(setBytes: Uint8Array) {
    const set = fromBinary(FileDescriptorSetSchema, setBytes);
    for (const file of set.file) this.add(file, Buffer.from(toBinary(FileDescriptorProtoSchema, file)));
  }

  /** The file named and those of its transitive imports not in `sent` (which is updated). */
  fileWithImports(name: string, sent: Set<string>): Buffer[] | undefined {
    if (!this.files.has(name)) return undefined;
    const out: Buffer[] = [];
    const visit = (n: string) => {
      const f = this.files.get(n);
      if (!f || sent.has(n)) return;
      sent.add(n);
      out.push(f.bytes);
      f.proto.dependency.forEach(visit);
    };
    visit(name);
    return out;
  }

  fileOfSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol);
  }

  private add(file: FileDescriptorProto, bytes: Buffer): void {
    this.files.set(file.name, { proto: file, bytes });
    const prefix = file.package ? `${file.package}.` : '';
    const index = (name: string) => this.symbols.set(name, file.name);
    const message = (m: DescriptorProto, scope: string) => {
      const name = `${scope}${m.name}`;
      index(name);
      m.field.forEach((f) => index(`${name}.${f.name}`));
      m.enumType.forEach((e) => index(`${name}.${e.name}`));
      m.nestedType.forEach((n) => message(n, `${name}.`));
    };
    file.messageType.forEach((m) => message(m, prefix));
    file.enumType.forEach((e) => {
      index(`${prefix}${e.name}`);
      e.value.forEach((v) => index(`${prefix}${v.name}`));
    });
    file.service.forEach((s) => {
      index(`${prefix}${s.name}`);
      this.services.push(`${prefix}${s.name}`);
      s.method.forEach((m) => index(`${prefix}${s.name}.${m.name}`));
    });
  }
}

function answer(index: DescriptorIndex, req: ReflectionRequest, sent: Set<string>): ReflectionResponse {
  const base = { valid_host: req.host ?? '', original_request: req };
  const notFound = (what: string) => ({ ...base, error_response: { error_code: Status.NOT_FOUND, error_message: `${what} not found` } });
  const files = (name: string | undefined, what: string) => {
    const found = name === undefined ? undefined : index.fileWithImports(name, sent);
    return found ? { ...base, file_descriptor_response: { file_descriptor_proto: found } } : notFound(what);
  };
  switch (req.message_request) {
    case 'file_by_filename':
      return files(req.file_by_filename, `file ${req.file_by_filename}`);
    case 'file_containing_symbol':
      return files(index.fileOfSymbol(req.file_containing_symbol ?? ''), `symbol ${req.file_containing_symbol}`);
    case 'file_containing_extension':
      return notFound(`extension ${req.file_containing_extension?.extension_number} of ${req.file_containing_extension?.containing_type}`);
    case 'all_extension_numbers_of_type': {
      const type = req.all_extension_numbers_of_type ?? '';
      if (index.fileOfSymbol(type) === undefined) return notFound(`type ${type}`);
      return { ...base, all_extension_numbers_response: { base_type_name: type, extension_number: [] } };
    }
    case 'list_services':
      return { ...base, list_services_response: { service: index.services.map((name) => ({ name })) } };
    default:
      return { ...base, error_response: { error_code: Status.INVALID_ARGUMENT, error_message: 'no message_request set' } };
  }
}

/** Where @grpc/reflection keeps the reflection protos (v1 and v1alpha are the same messages). */
const REFLECTION_PROTO_DIR = join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection');

/** Adds grpc.reflection.v1 and v1alpha ServerReflection to `server`, describing the charging descriptor set. */
export function addReflection(server: Server, index = new DescriptorIndex(Buffer.from(FILE_DESCRIPTOR_SET_BASE64, 'base64'))): void {
  for (const version of ['v1', 'v1alpha']) {
    const definition = loadSync(join(REFLECTION_PROTO_DIR, version, 'reflection.proto'), { keepCase: true, oneofs: true, longs: String });
    const pkg = ((loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject)[version] as GrpcObject;
    server.addService((pkg.ServerReflection as ServiceClientConstructor).service, {
      ServerReflectionInfo: (stream: ServerDuplexStream<ReflectionRequest, ReflectionResponse>) => {
        const sent = new Set<string>();
        stream.on('data', (req: ReflectionRequest) => stream.write(answer(index, req, sent)));
        stream.on('end', () => stream.end());
        stream.on('error', () => undefined); // a client gone mid-stream: nothing to answer
      },
    });
  }
}

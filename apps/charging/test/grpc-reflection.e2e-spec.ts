/**
 * Server reflection as a real client uses it (grpcurl, protoc-based tools): ask over gRPC for the
 * file that defines charging.v1.ChargingService, then for every file it imports (transitively),
 * and link them all with @bufbuild/protobuf's createFileRegistry, which refuses a file using a type
 * of an import it does not declare, or an import that is not served. Then resolve a method's input
 * type and encode a request with it, as grpcurl does for a JSON invocation.
 */
import { Client, credentials, GrpcObject, loadPackageDefinition, ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createFileRegistry, fromBinary, fromJson, toBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { join } from 'node:path';
import { StartSessionRequest } from '@app/proto';
import { ChargingApp, startChargingApp } from './grpc-e2e.helpers';

type ReflectionStream = NodeJS.ReadWriteStream & { write(m: object): boolean };
interface ReflectionAnswer {
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

let env: ChargingApp;
type ReflectionClient = Client & { ServerReflectionInfo(): ReflectionStream };
let reflection: ReflectionClient;
const clients: ReflectionClient[] = [];

/** A client of grpc.reflection.<version>.ServerReflection (grpcurl asks v1, older tools v1alpha). */
function reflectionClient(version: 'v1' | 'v1alpha'): ReflectionClient {
  const reflectionProto = join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', version, 'reflection.proto');
  const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as GrpcObject;
  const ctor = (((pkg.grpc as GrpcObject).reflection as GrpcObject)[version] as GrpcObject).ServerReflection as ServiceClientConstructor;
  const client = new ctor(env.address, credentials.createInsecure()) as unknown as ReflectionClient;
  clients.push(client);
  return client;
}

beforeAll(async () => {
  env = await startChargingApp();
  reflection = reflectionClient('v1');
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await env?.close();
});

/** One reflection request on its own stream; the answer's file descriptors, decoded. */
function ask(request: object): Promise<FileDescriptorProto[]> {
  return new Promise((resolve, reject) => {
    const stream = reflection.ServerReflectionInfo();
    stream.on('data', (m: ReflectionAnswer) => {
      if (m.error_response) reject(new Error(`reflection error ${m.error_response.error_code}: ${m.error_response.error_message}`));
      else resolve((m.file_descriptor_response?.file_descriptor_proto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b)));
    });
    stream.on('error', reject);
    stream.write(request);
    stream.end();
  });
}

/** What grpcurl does: the file of a symbol, then by name every file it depends on not yet received. */
async function linkedRegistry(symbol: string): Promise<FileRegistry> {
  const files = new Map<string, FileDescriptorProto>();
  const add = (received: FileDescriptorProto[]) => received.forEach((f) => files.set(f.name, f));
  add(await ask({ file_containing_symbol: symbol }));
  for (let missing = [...files.values()].flatMap((f) => f.dependency); missing.length > 0;) {
    for (const name of missing) add(await ask({ file_by_filename: name }));
    missing = [...files.values()].flatMap((f) => f.dependency).filter((d) => !files.has(d));
  }
  // Linked from the symbol's file, each import resolved among the files received (any order).
  const [root] = [...files.values()].filter((f) => f.service.some((svc) => `${f.package}.${svc.name}` === symbol));
  return createFileRegistry(root, (name) => files.get(name));
}

describe('server reflection', () => {
  it('serves charging.v1 with its imports declared and served, so a client links it', async () => {
    const registry = await linkedRegistry('charging.v1.ChargingService');
    const service = registry.getService('charging.v1.ChargingService');
    expect(service?.file.proto.dependency).toContain('google/protobuf/timestamp.proto');
    const start = service!.methods.find((m) => m.name === 'StartSession')!;
    expect(start.input.typeName).toBe('charging.v1.StartSessionRequest');
    expect(start.input.fields.find((f) => f.name === 'event_time')?.message?.typeName).toBe('google.protobuf.Timestamp');
    // A JSON invocation as grpcurl makes it, encoded from the linked descriptors, is what the server's own codec reads.
    const json = {
      sessionId: 's1',
      requestNumber: 0,
      subscriber: { msisdn: '491701234567' },
      eventTime: '2026-12-02T10:00:00Z',
      services: [{ ratingGroup: 20, requestedUnits: '1000' }],
    };
    const decoded = StartSessionRequest.decode(toBinary(start.input, fromJson(start.input, json)));
    expect(decoded).toMatchObject({
      sessionId: 's1',
      eventTime: new Date('2026-12-02T10:00:00Z'),
      services: [{ ratingGroup: 20, requestedUnits: 1000n }],
    });
  });

  it('answers v1alpha the same way', async () => {
    reflection = reflectionClient('v1alpha');
    try {
      const registry = await linkedRegistry('charging.v1.ChargingService');
      expect(registry.getMessage('charging.v1.DebitEventRequest')?.field.eventTime?.message?.typeName).toBe('google.protobuf.Timestamp');
    } finally {
      reflection = clients[0];
    }
  });

  it('links the health service the same way', async () => {
    const registry = await linkedRegistry('grpc.health.v1.Health');
    expect(registry.getService('grpc.health.v1.Health')?.methods.map((m) => m.name)).toEqual(expect.arrayContaining(['Check', 'Watch']));
  });
});

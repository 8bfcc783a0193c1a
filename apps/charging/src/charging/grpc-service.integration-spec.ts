/**
 * The grpc-js adapter over real gRPC (a loopback server and the generated client): an answer that
 * cannot be encoded (an int64 field beyond its range: a bug) reaches the client as INTERNAL, is
 * counted as INTERNAL (not as the answer's ResultCode) and is logged with its method.
 */
import { credentials, Server, ServerCredentials, status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { ChargingServiceClient, PriceEnquiryResponse, ResultCode, UnitType } from '@app/proto';
import type { Logger } from '@app/observability';
import type { ChargingApi } from './charging-api';
import { GrpcMetrics } from './grpc-metrics';
import { CHARGING_SERVICE_RAW_REQUESTS, chargingServiceImplementation } from './grpc-service';
import { grpcStatusOf } from './grpc-status.mapper';
import { call, failure } from '../../test/grpc-e2e.helpers';

const INT64_BEYOND = 2n ** 63n;

describe('charging gRPC adapter', () => {
  let server: Server;
  let client: ChargingServiceClient;
  const registry = new Registry();
  const logged: Array<{ obj: unknown; msg: string }> = [];
  const logger = { error: (obj: unknown, msg: string) => logged.push({ obj, msg }) } as unknown as Logger;
  const answers: { price: PriceEnquiryResponse } = {
    price: { resultCode: ResultCode.SUCCESS, price: { amountMicros: 1n, currencyCode: 'EUR' }, unit: UnitType.EVENTS },
  };
  const notHere = async () => {
    throw new Error('not used here');
  };
  const api: ChargingApi = {
    startSession: notHere,
    updateSession: notHere,
    terminateSession: notHere,
    debitEvent: notHere,
    refundEvent: notHere,
    checkBalance: notHere,
    priceEnquiry: async () => answers.price,
    getBalance: notHere,
  };

  beforeAll(async () => {
    server = new Server();
    const toStatus = (err: unknown, method: string) => grpcStatusOf(err, method, logger);
    server.addService(CHARGING_SERVICE_RAW_REQUESTS, chargingServiceImplementation(api, new GrpcMetrics(registry), toStatus));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new ChargingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  const count = async (result: string) =>
    (await registry.getSingleMetric('ratel_grpc_requests_total')!.get()).values.find(
      (v) => v.labels.method === 'PriceEnquiry' && v.labels.result === result,
    )?.value ?? 0;
  const enquiry = {
    subscriber: { msisdn: '491701234567' },
    calledNumber: '',
    service: { ratingGroup: 40, serviceId: 0, units: 1n, unit: 0 },
  };

  it('answers an encodable answer and counts it under its ResultCode', async () => {
    answers.price = { resultCode: ResultCode.SUCCESS, price: { amountMicros: 990_000n, currencyCode: 'EUR' }, unit: UnitType.EVENTS };
    expect(await call(client, client.priceEnquiry, enquiry)).toEqual(answers.price);
    expect(await count('SUCCESS')).toBe(1);
  });

  it('turns an answer that cannot be encoded into INTERNAL, counted as INTERNAL and logged', async () => {
    answers.price = { resultCode: ResultCode.SUCCESS, price: { amountMicros: INT64_BEYOND, currencyCode: 'EUR' }, unit: UnitType.EVENTS };
    const err = await failure(call(client, client.priceEnquiry, enquiry));
    expect(err.code).toBe(Status.INTERNAL);
    expect(err.details).toBe('internal error');
    expect(await count('INTERNAL')).toBe(1);
    expect(await count('SUCCESS')).toBe(1);
    expect(logged).toEqual([
      { obj: expect.objectContaining({ method: 'PriceEnquiry', err: expect.any(Error) }), msg: 'charging call failed' },
    ]);
  });
});

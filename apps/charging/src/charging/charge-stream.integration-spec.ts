/**
 * ChargeStream over real gRPC (loopback server, generated client) with small limits: reading stops
 * while inFlightMax items are unanswered (the API never sees more at once), answers keep the order
 * sent, and a stream past its deadline ends with DEADLINE_EXCEEDED.
 */
import { credentials, Metadata, Server, ServerCredentials, ServiceError, status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { ChargeItemResult, ChargingServiceClient, DebitEventRequest, DebitEventResponse, ResultCode } from '@app/proto';
import type { Logger } from '@app/observability';
import type { ChargingApi } from './charging-api';
import { GrpcMetrics } from './grpc-metrics';
import { CHARGING_SERVICE_RAW_REQUESTS, chargingServiceImplementation } from './grpc-service';
import { grpcStatusOf } from './grpc-status.mapper';

const IN_FLIGHT_MAX = 4;
/** The ordering test's stream must never hit its deadline, however slow the machine (ci: 40 items took over 300 ms). */
const ORDER_DEADLINE_MS = 120_000;
/** The deadline test's stream stays open without writing, so a short deadline is the whole test. */
const SHORT_DEADLINE_MS = 300;

describe('ChargeStream', () => {
  const servers: Server[] = [];
  const clients: ChargingServiceClient[] = [];
  let active = 0;
  let activeMax = 0;
  const notHere = async (): Promise<never> => {
    throw new Error('not used here');
  };
  const api: ChargingApi = {
    startSession: notHere,
    updateSession: notHere,
    terminateSession: notHere,
    refundEvent: notHere,
    checkBalance: notHere,
    priceEnquiry: notHere,
    getBalance: notHere,
    debitEvent: async (req: DebitEventRequest): Promise<DebitEventResponse> => {
      active++;
      activeMax = Math.max(activeMax, active);
      // Later items answer sooner: order of answers must still be the order sent.
      await new Promise((r) => setTimeout(r, 20 - (Number(req.requestId.slice(1)) % 20)));
      active--;
      return { requestId: req.requestId, resultCode: ResultCode.SUCCESS, allowanceUnits: 0n };
    },
  };

  async function clientWithDeadline(deadlineMaxMs: number): Promise<ChargingServiceClient> {
    const server = new Server();
    servers.push(server);
    const logger = { error: () => undefined } as unknown as Logger;
    const toStatus = (err: unknown, method: string) => grpcStatusOf(err, method, logger);
    server.addService(
      CHARGING_SERVICE_RAW_REQUESTS,
      chargingServiceImplementation(api, new GrpcMetrics(new Registry()), toStatus, {
        inFlightMax: IN_FLIGHT_MAX,
        deadlineMaxMs,
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new ChargingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    clients.push(client);
    return client;
  }

  afterAll(() => {
    for (const client of clients) client.close();
    for (const server of servers) server.forceShutdown();
  });

  it('answers in the order sent and never has more than inFlightMax items unanswered', async () => {
    const client = await clientWithDeadline(ORDER_DEADLINE_MS);
    const stream = client.chargeStream(new Metadata());
    const got: ChargeItemResult[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: ChargeItemResult) => got.push(r));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const n = 40;
    for (let i = 0; i < n; i++) {
      stream.write({ correlationId: `c${i}`, debitEvent: DebitEventRequest.fromPartial({ requestId: `r${i}` }) });
    }
    stream.end();
    await done;
    expect(got.map((r) => r.correlationId)).toEqual(Array.from({ length: n }, (_, i) => `c${i}`));
    expect(activeMax).toBeGreaterThan(1);
    expect(activeMax).toBeLessThanOrEqual(IN_FLIGHT_MAX);
  });

  it('ends a stream past its deadline with DEADLINE_EXCEEDED', async () => {
    const client = await clientWithDeadline(SHORT_DEADLINE_MS);
    const stream = client.chargeStream(new Metadata());
    const err = await new Promise<ServiceError>((resolve) => {
      stream.on('data', () => undefined);
      stream.on('error', resolve);
    });
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
  });
});

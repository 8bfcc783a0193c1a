/**
 * ChargeStream over real gRPC (loopback server, generated client) with small limits: reading stops
 * while inFlightMax items are unanswered (the API never sees more at once), answers keep the order
 * sent, items of one session run in the order sent, an item reusing the correlation id of an item
 * still unanswered is refused alone, and a stream past its deadline ends with DEADLINE_EXCEEDED.
 */
import { credentials, Metadata, Server, ServerCredentials, ServiceError, status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import {
  ChargeItem,
  ChargeItemResult,
  ChargingServiceClient,
  DebitEventRequest,
  DebitEventResponse,
  ResultCode,
  StartSessionRequest,
  StartSessionResponse,
  UpdateSessionRequest,
  UpdateSessionResponse,
} from '@app/proto';
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
  /** Request ids in the order the API began them (a start session: when it ended). */
  const seen: string[] = [];
  /** Request ids whose answer waits until the test resolves it. */
  const holds = new Map<string, Promise<void>>();
  const api: ChargingApi = {
    startSession: async (req: StartSessionRequest): Promise<StartSessionResponse> => {
      await new Promise((r) => setTimeout(r, 30)); // slower than the update sent right after it
      seen.push(`start:${req.sessionId}`); // when it ends: the update must not have begun before
      return StartSessionResponse.fromPartial({ sessionId: req.sessionId, resultCode: ResultCode.SUCCESS });
    },
    updateSession: async (req: UpdateSessionRequest): Promise<UpdateSessionResponse> => {
      seen.push(`update:${req.sessionId}`);
      return UpdateSessionResponse.fromPartial({ sessionId: req.sessionId, resultCode: ResultCode.SUCCESS });
    },
    terminateSession: notHere,
    refundEvent: notHere,
    checkBalance: notHere,
    priceEnquiry: notHere,
    getBalance: notHere,
    debitEvent: async (req: DebitEventRequest): Promise<DebitEventResponse> => {
      seen.push(req.requestId);
      const hold = holds.get(req.requestId);
      if (hold !== undefined) {
        await hold;
        return { requestId: req.requestId, resultCode: ResultCode.SUCCESS, allowanceUnits: 0n };
      }
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

  /** Opens a stream; `results` fills as answers arrive, `done` settles when the server ends it. */
  function open(client: ChargingServiceClient) {
    const stream = client.chargeStream(new Metadata());
    const results: ChargeItemResult[] = [];
    const waiters: Array<() => void> = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: ChargeItemResult) => {
        results.push(r);
        for (const w of waiters.splice(0)) w();
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const answered = async (n: number) => {
      while (results.length < n) await new Promise<void>((r) => waiters.push(r));
    };
    return { write: (it: ChargeItem) => stream.write(it), end: () => stream.end(), results, answered, done };
  }

  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, 5));
  };

  it('refuses alone an item whose correlation id is that of an item not yet answered; once answered, the id may come again', async () => {
    const s = open(await clientWithDeadline(ORDER_DEADLINE_MS));
    let release!: () => void;
    holds.set('dup-held', new Promise<void>((r) => (release = r)));
    const debit = (requestId: string) => DebitEventRequest.fromPartial({ requestId });
    s.write({ correlationId: 'dup', debitEvent: debit('dup-held') });
    s.write({ correlationId: 'dup', debitEvent: debit('dup-second') });
    s.write({ correlationId: 'other', debitEvent: debit('dup-other') });
    await until(() => seen.includes('dup-other')); // read and run while the first 'dup' is still unanswered
    release();
    await s.answered(3);
    s.write({ correlationId: 'dup', debitEvent: debit('dup-again') });
    s.end();
    await s.done;
    expect(s.results.map((r) => [r.correlationId, r.status?.field ?? r.debitEvent?.requestId])).toEqual([
      ['dup', 'dup-held'],
      ['dup', 'item.correlation_id'],
      ['other', 'dup-other'],
      ['dup', 'dup-again'],
    ]);
    expect(s.results[1].status?.code).toBe(Status.INVALID_ARGUMENT);
    expect(s.results[1].status?.message).toContain('not yet answered');
    expect(seen).not.toContain('dup-second');
  });

  it('runs the items of one session in the order sent, even when the first is the slower', async () => {
    const s = open(await clientWithDeadline(ORDER_DEADLINE_MS));
    s.write({ correlationId: 'a', start: StartSessionRequest.fromPartial({ sessionId: 'ordered', requestNumber: 0 }) });
    s.write({ correlationId: 'b', update: UpdateSessionRequest.fromPartial({ sessionId: 'ordered', requestNumber: 1 }) });
    s.write({ correlationId: 'c', debitEvent: DebitEventRequest.fromPartial({ requestId: 'r7' }) });
    s.end();
    await s.done;
    expect(seen.filter((x) => x.endsWith(':ordered'))).toEqual(['start:ordered', 'update:ordered']);
    // The debit of another subscriber did not wait for the session: it started before the update.
    expect(seen.indexOf('r7')).toBeLessThan(seen.indexOf('update:ordered'));
    expect(s.results.map((r) => r.correlationId)).toEqual(['a', 'b', 'c']);
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

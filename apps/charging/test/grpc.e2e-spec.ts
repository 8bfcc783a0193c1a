/**
 * charging.v1 end to end: InfraModule + ChargingGrpcModule on the test Redis, accounts provisioned
 * through the BalanceEngine port, calls through the generated grpc-js client. Demo prepaid plan
 * (EUR): data RG 20 at 0.01 EUR per started MB, SMS RG 30 at 0.05, content RG 40 at 0.99 (2.99
 * for service 4001); none of these depends on the time of day.
 */
import {
  Client,
  credentials,
  GrpcObject,
  loadPackageDefinition,
  makeClientConstructor,
  ServiceClientConstructor,
  ServiceDefinition,
  ServiceError,
  status as Status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { join } from 'node:path';
import {
  ChargingServiceClient,
  DebitEventRequest,
  FinalUnitAction,
  GetBalanceRequest,
  GetBalanceResponse,
  RefundEventRequest,
  ResultCode,
  ServiceCreditRequest,
  StartSessionRequest,
  TerminateSessionRequest,
  UnitType,
  UpdateSessionRequest,
} from '@app/proto';
import { uniqueId } from '@app/devstack';
import { GRPC_RECEIVE_MESSAGE_MAX_BYTES, GRPC_SHUTDOWN_TIMEOUT_MS } from '../src/charging/grpc-server.limits';
import { call, callRaw, ChargingApp, chargingClient, EUR, failure, provisionSubscriber, startChargingApp } from './grpc-e2e.helpers';

const MB = 1_048_576n;
const DATA = 20;
const SMS = 30;
const CONTENT = 40;

let env: ChargingApp;
let client: ChargingServiceClient;

beforeAll(async () => {
  env = await startChargingApp();
  client = chargingClient(env.address);
});

afterAll(async () => {
  client?.close();
  await env?.close();
});

const sub = (msisdn: string) => ({ msisdn });
const start = (msisdn: string, sessionId: string, requested: bigint, ratingGroup = DATA) =>
  StartSessionRequest.fromPartial({
    sessionId,
    requestNumber: 0,
    subscriber: sub(msisdn),
    services: [{ ratingGroup, requestedUnits: requested, unit: UnitType.BYTES }],
  });
const update = (msisdn: string, sessionId: string, n: number, used: bigint, requested: bigint) =>
  UpdateSessionRequest.fromPartial({
    sessionId,
    requestNumber: n,
    subscriber: sub(msisdn),
    services: [{ ratingGroup: DATA, usedUnits: used, requestedUnits: requested, unit: UnitType.BYTES }],
  });
const terminate = (msisdn: string, sessionId: string, n: number, used: bigint) =>
  TerminateSessionRequest.fromPartial({
    sessionId,
    requestNumber: n,
    subscriber: sub(msisdn),
    services: [{ ratingGroup: DATA, usedUnits: used }],
  });
const debit = (msisdn: string, requestId: string, ratingGroup = SMS, units = 1n, serviceId = 0) =>
  DebitEventRequest.fromPartial({
    requestId,
    subscriber: sub(msisdn),
    calledNumber: '33612345678',
    service: { ratingGroup, serviceId, units },
  });
const balanceOf = (msisdn: string): Promise<GetBalanceResponse> =>
  call(client, client.getBalance, GetBalanceRequest.fromPartial({ subscriber: sub(msisdn) }));

describe('sessions', () => {
  it('start, update, terminate: reserve, debit the used units, release the rest', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const sessionId = uniqueId('s');

    const started = await call(client, client.startSession, start(msisdn, sessionId, 10n * MB));
    expect(started).toMatchObject({ sessionId, requestNumber: 0, resultCode: ResultCode.SUCCESS });
    expect(started.services).toEqual([
      expect.objectContaining({
        ratingGroup: DATA,
        resultCode: ResultCode.SUCCESS,
        unit: UnitType.BYTES,
        grantedUnits: 10n * MB,
        validityTimeMs: 300_000,
        reservedAmount: { amountMicros: 100_000n, currencyCode: 'EUR' },
      }),
    ]);
    expect((await balanceOf(msisdn)).reservations).toHaveLength(1);

    const updated = await call(client, client.updateSession, update(msisdn, sessionId, 1, 5n * MB, 10n * MB));
    expect(updated.services[0]).toMatchObject({
      resultCode: ResultCode.SUCCESS,
      debitedUnits: 5n * MB,
      debitedAmount: { amountMicros: 50_000n, currencyCode: 'EUR' },
    });

    const ended = await call(client, client.terminateSession, terminate(msisdn, sessionId, 2, 3n * MB - 1n));
    expect(ended.services[0]).toMatchObject({
      resultCode: ResultCode.SUCCESS,
      grantedUnits: 0n,
      debitedAmount: { amountMicros: 30_000n, currencyCode: 'EUR' },
    });
    expect(ended.balance).toEqual({ amountMicros: 10n * EUR - 80_000n, currencyCode: 'EUR' });

    const after = await balanceOf(msisdn);
    expect(after).toMatchObject({
      resultCode: ResultCode.SUCCESS,
      reservations: [],
      balance: { amountMicros: 10n * EUR - 80_000n, currencyCode: 'EUR' },
    });
    expect(after.reserved?.amountMicros).toBe(0n);
  });

  it('grants the final units with a final-unit indication when money runs short', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 30_000n);
    const res = await call(client, client.startSession, start(msisdn, uniqueId('s'), 10n * MB));
    expect(res.services[0]).toMatchObject({
      resultCode: ResultCode.SUCCESS,
      grantedUnits: 3n * MB,
      finalUnitIndication: { action: FinalUnitAction.TERMINATE },
    });
  });

  it('answers an update of an unknown session UNKNOWN_SESSION', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    const res = await call(client, client.updateSession, update(msisdn, uniqueId('nosuch'), 1, MB, MB));
    expect(res.resultCode).toBe(ResultCode.UNKNOWN_SESSION);
  });
});

describe('events', () => {
  it('debits an SMS and refunds it', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    const requestId = uniqueId('sms');
    const debited = await call(client, client.debitEvent, debit(msisdn, requestId));
    expect(debited).toEqual({
      requestId,
      resultCode: ResultCode.SUCCESS,
      debitedAmount: { amountMicros: 50_000n, currencyCode: 'EUR' },
      allowanceUnits: 0n,
      balance: { amountMicros: EUR - 50_000n, currencyCode: 'EUR' },
    });
    const refundId = uniqueId('refund');
    const refunded = await call(
      client,
      client.refundEvent,
      RefundEventRequest.fromPartial({ requestId: refundId, debitRequestId: requestId, subscriber: sub(msisdn) }),
    );
    expect(refunded).toEqual({
      requestId: refundId,
      resultCode: ResultCode.SUCCESS,
      refundedAmount: { amountMicros: 50_000n, currencyCode: 'EUR' },
      balance: { amountMicros: EUR, currencyCode: 'EUR' },
    });
    const again = await failure(
      call(
        client,
        client.refundEvent,
        RefundEventRequest.fromPartial({ requestId: uniqueId('refund'), debitRequestId: requestId, subscriber: sub(msisdn) }),
      ),
    );
    expect(again.code).toBe(Status.FAILED_PRECONDITION);
  });

  it('answers a refund of an unknown debit UNKNOWN_EVENT', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    const res = await call(
      client,
      client.refundEvent,
      RefundEventRequest.fromPartial({ requestId: uniqueId('r'), debitRequestId: 'never-debited', subscriber: sub(msisdn) }),
    );
    expect(res.resultCode).toBe(ResultCode.UNKNOWN_EVENT);
  });

  it('refuses a price beyond AMOUNT_MAX_MICROS as a debit of the same units would (OUT_OF_RANGE), counted as such', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    const requests = async (result: string) =>
      (await env.registry.getSingleMetric('ratel_grpc_requests_total')!.get()).values.find(
        (v) => v.labels.method === 'PriceEnquiry' && v.labels.result === result,
      )?.value ?? 0;
    const [outOfRangeBefore, successBefore] = [await requests('OUT_OF_RANGE'), await requests('SUCCESS')];
    // 10^13 content events at 0.99 EUR: 9.9 * 10^18 micros, beyond int64; 10^10 of them: beyond 2^53 - 1 only.
    for (const units of [10_000_000_000_000n, 10_000_000_000n]) {
      const enquiry = {
        subscriber: sub(msisdn),
        calledNumber: '',
        service: { ratingGroup: CONTENT, serviceId: 0, units, unit: UnitType.EVENTS },
      };
      const err = await failure(call(client, client.priceEnquiry, enquiry));
      expect(err.code).toBe(Status.OUT_OF_RANGE);
      expect(err.details).toContain(`service.units: ${units} units cost`);
      expect(err.details).toContain('AMOUNT_MAX_MICROS (9007199254740991 micros)');
      const debited = await call(client, client.debitEvent, debit(msisdn, uniqueId('big'), CONTENT, units));
      expect(debited.resultCode).toBe(ResultCode.CREDIT_LIMIT_REACHED);
    }
    expect(await requests('OUT_OF_RANGE')).toBe(outOfRangeBefore + 2);
    expect(await requests('SUCCESS')).toBe(successBefore);
    // The largest price the engine charges is still answered exactly.
    const atMax = await call(client, client.priceEnquiry, {
      subscriber: sub(msisdn),
      calledNumber: '',
      service: { ratingGroup: CONTENT, serviceId: 0, units: 9_098_181_065n, unit: UnitType.EVENTS },
    });
    expect(atMax.price).toEqual({ amountMicros: 9_098_181_065n * 990_000n, currencyCode: 'EUR' });
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(EUR);
  });

  it('checks the balance and prices a service without changing anything', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    const before = await balanceOf(msisdn);
    const service = { ratingGroup: CONTENT, serviceId: 4001, units: 1n };
    const price = await call(client, client.priceEnquiry, {
      subscriber: sub(msisdn),
      calledNumber: '',
      service: { ...service, unit: UnitType.UNSPECIFIED },
    });
    expect(price).toEqual({
      resultCode: ResultCode.SUCCESS,
      price: { amountMicros: 2_990_000n, currencyCode: 'EUR' },
      unit: UnitType.EVENTS,
    });
    const check = (units: bigint) =>
      call(client, client.checkBalance, {
        subscriber: sub(msisdn),
        calledNumber: '',
        service: { ...service, units, unit: UnitType.EVENTS },
      });
    expect((await check(1n)).resultCode).toBe(ResultCode.CREDIT_LIMIT_REACHED);
    const cheap = await call(client, client.checkBalance, {
      subscriber: sub(msisdn),
      calledNumber: '',
      service: { ratingGroup: SMS, serviceId: 0, units: 2n, unit: UnitType.EVENTS },
    });
    expect(cheap.resultCode).toBe(ResultCode.SUCCESS);
    expect(await balanceOf(msisdn)).toEqual(before);
  });
});

describe('idempotency', () => {
  it('replays every mutating RPC with the first answer and no state change', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const sessionId = uniqueId('s');
    const requests: Array<() => Promise<unknown>> = [
      () => call(client, client.startSession, start(msisdn, sessionId, 10n * MB)),
      () => call(client, client.updateSession, update(msisdn, sessionId, 1, 4n * MB, 10n * MB)),
      () => call(client, client.terminateSession, terminate(msisdn, sessionId, 2, MB)),
      () => call(client, client.debitEvent, debit(msisdn, 'evt-1')),
      () =>
        call(
          client,
          client.refundEvent,
          RefundEventRequest.fromPartial({ requestId: 'ref-1', debitRequestId: 'evt-1', subscriber: sub(msisdn) }),
        ),
    ];
    for (const send of requests) {
      const first = await send();
      const balance = await balanceOf(msisdn);
      expect(await send()).toEqual(first);
      expect(await balanceOf(msisdn)).toEqual(balance);
    }
  });

  it('replays a denial even after the balance changed', async () => {
    const { accountId, msisdn } = await provisionSubscriber(env.engine, EUR);
    const purchase = debit(msisdn, uniqueId('buy'), CONTENT, 1n, 4001);
    const denied = await call(client, client.debitEvent, purchase);
    expect(denied.resultCode).toBe(ResultCode.CREDIT_LIMIT_REACHED);
    const before = await balanceOf(msisdn);
    expect(await call(client, client.debitEvent, purchase)).toEqual(denied);
    expect(await balanceOf(msisdn)).toEqual(before);

    const sessionStart = start(msisdn, uniqueId('s'), 1n, 10_000);
    const failedStart = await call(client, client.startSession, sessionStart);
    expect(failedStart.resultCode).toBe(ResultCode.RATING_FAILED);
    expect(await call(client, client.startSession, sessionStart)).toEqual(failedStart);

    await env.engine.topUp(accountId, uniqueId('top'), 10n * EUR, Date.now());
    expect(await call(client, client.debitEvent, purchase)).toEqual(denied);
  });

  it('refuses an id reused with other content: ALREADY_EXISTS, nothing changed', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const sessionId = uniqueId('s');
    await call(client, client.startSession, start(msisdn, sessionId, MB));
    await call(client, client.debitEvent, debit(msisdn, 'evt-x'));
    await call(
      client,
      client.refundEvent,
      RefundEventRequest.fromPartial({ requestId: 'ref-x', debitRequestId: 'evt-x', subscriber: sub(msisdn) }),
    );
    await call(client, client.debitEvent, debit(msisdn, 'evt-y'));
    const before = await balanceOf(msisdn);
    const reused = [
      call(client, client.startSession, start(msisdn, sessionId, 2n * MB)),
      call(client, client.debitEvent, debit(msisdn, 'evt-x', SMS, 2n)),
      call(
        client,
        client.refundEvent,
        RefundEventRequest.fromPartial({ requestId: 'ref-x', debitRequestId: 'evt-y', subscriber: sub(msisdn) }),
      ),
    ];
    for (const p of reused) {
      const err = await failure(p);
      expect(err.code).toBe(Status.ALREADY_EXISTS);
      expect(err.details).toMatch(/already used by a request with different content/);
    }
    expect(await balanceOf(msisdn)).toEqual(before);
  });
});

describe('bad requests: precise status, nothing changed', () => {
  let msisdn: string;
  let before: GetBalanceResponse;
  beforeAll(async () => {
    ({ msisdn } = await provisionSubscriber(env.engine, 10n * EUR));
    before = await balanceOf(msisdn);
  });
  afterEach(async () => {
    expect(await balanceOf(msisdn)).toEqual(before);
  });

  const svc = (o: Partial<ServiceCreditRequest>): ServiceCreditRequest => ({
    ratingGroup: DATA,
    serviceId: 0,
    requestedUnits: MB,
    usedUnits: 0n,
    unit: UnitType.BYTES,
    ...o,
  });
  const startWith = (o: Partial<StartSessionRequest>) => StartSessionRequest.fromPartial({ ...start(msisdn, 'sess-bad', MB), ...o });
  const cases: Array<[string, () => Partial<StartSessionRequest>, string]> = [
    ['missing session id', () => ({ sessionId: '' }), 'session_id: is required'],
    ['missing request number', () => ({ requestNumber: undefined }), 'request_number: is required'],
    ['missing subscriber', () => ({ subscriber: undefined }), 'subscriber: is required'],
    ['malformed msisdn', () => ({ subscriber: { msisdn: '12ab' } }), 'subscriber.msisdn: must be 5 to 15 digits'],
    ['negative units', () => ({ services: [svc({ requestedUnits: -5n })] }), 'services[0].requested_units: must be between 0 and'],
    ['huge units', () => ({ services: [svc({ requestedUnits: 1n << 60n })] }), 'services[0].requested_units: must be between 0 and'],
    [
      'too many rating groups',
      () => ({ services: Array.from({ length: 17 }, (_, i) => svc({ ratingGroup: i })) }),
      'services: must hold at most 16',
    ],
    ['duplicate rating group', () => ({ services: [svc({}), svc({})] }), 'services[1].rating_group: 20 appears more than once'],
    ['unknown enum value', () => ({ services: [svc({ unit: 77 as UnitType })] }), 'services[0].unit: unknown UnitType value 77'],
  ];

  it.each(cases)('%s -> INVALID_ARGUMENT', async (_name, overrides, message) => {
    const err = await failure(call(client, client.startSession, startWith(overrides())));
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(err.details).toContain(message);
  });

  it('a field of the wrong wire type is ignored, so the field is missing -> INVALID_ARGUMENT', async () => {
    const bytes = Buffer.from([0x08, 0x2a]); // field 1 (session_id, a string) sent as varint 42
    const err = await failure(callRaw(env.address, '/charging.v1.ChargingService/StartSession', bytes));
    expect(err).toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'session_id: is required' });
  });

  it('bytes that are not a protobuf message -> INVALID_ARGUMENT', async () => {
    const bytes = Buffer.from([0x0a, 0x20, 0x41]); // string field claiming 32 bytes, 1 present
    const err = await failure(callRaw(env.address, '/charging.v1.ChargingService/DebitEvent', bytes));
    expect(err).toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'request: is not a valid charging.v1.DebitEventRequest message' });
  });

  it(`a payload above ${GRPC_RECEIVE_MESSAGE_MAX_BYTES} bytes -> RESOURCE_EXHAUSTED`, async () => {
    const err = await failure(call(client, client.startSession, startWith({ calledNumber: '1'.repeat(GRPC_RECEIVE_MESSAGE_MAX_BYTES) })));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
  });

  it('an unknown rating group is answered RATING_FAILED for that group', async () => {
    const sessionId = uniqueId('s');
    const res = await call(
      client,
      client.startSession,
      startWith({ sessionId, services: [svc({ ratingGroup: 999, unit: UnitType.UNSPECIFIED })] }),
    );
    expect(res.resultCode).toBe(ResultCode.RATING_FAILED);
    expect(res.services).toEqual([expect.objectContaining({ ratingGroup: 999, resultCode: ResultCode.RATING_FAILED, grantedUnits: 0n })]);
  });

  it('a unit that is not the rate unit is answered RATING_FAILED', async () => {
    const res = await call(
      client,
      client.startSession,
      startWith({ sessionId: uniqueId('s'), services: [svc({ unit: UnitType.SECONDS })] }),
    );
    expect(res.services[0].resultCode).toBe(ResultCode.RATING_FAILED);
  });

  it('an unknown subscriber is answered USER_UNKNOWN', async () => {
    const res = await call(client, client.debitEvent, debit('99999999999', uniqueId('e')));
    expect(res).toMatchObject({ resultCode: ResultCode.USER_UNKNOWN, balance: undefined });
    const bal = await call(client, client.getBalance, GetBalanceRequest.fromPartial({ subscriber: { imsi: '999999999999999' } }));
    expect(bal.resultCode).toBe(ResultCode.USER_UNKNOWN);
  });

  it('an out-of-sequence request number -> FAILED_PRECONDITION', async () => {
    const sessionId = uniqueId('s');
    await call(client, client.startSession, startWith({ sessionId }));
    for (let n = 1; n <= 20; n++) await call(client, client.updateSession, update(msisdn, sessionId, n, 0n, MB));
    before = await balanceOf(msisdn);
    const err = await failure(call(client, client.updateSession, update(msisdn, sessionId, 2, MB, MB)));
    expect(err.code).toBe(Status.FAILED_PRECONDITION);
  });
});

describe('operations', () => {
  it('serves the standard health service for the server and the charging service', async () => {
    const Health = makeClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');
    const health = new Health(env.address, credentials.createInsecure()) as unknown as Client & {
      check(req: { service: string }, cb: (err: ServiceError | null, res: { status: string }) => void): void;
    };
    try {
      for (const service of ['', 'charging.v1.ChargingService']) {
        const res = await new Promise<{ status: string }>((resolve, reject) =>
          health.check({ service }, (err: ServiceError | null, r: { status: string }) => (err ? reject(err) : resolve(r))),
        );
        expect(res.status).toBe('SERVING');
      }
    } finally {
      health.close();
    }
  });

  it('lists the charging service through server reflection', async () => {
    const reflectionProto = join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
    const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as GrpcObject;
    const Reflection = ((pkg.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    const ctor = Reflection.ServerReflection as ServiceClientConstructor;
    const reflection = new ctor(env.address, credentials.createInsecure()) as unknown as Client & {
      ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: object): boolean };
    };
    try {
      const names = await new Promise<string[]>((resolve, reject) => {
        const stream = reflection.ServerReflectionInfo();
        stream.on('data', (m: { list_services_response?: { service: Array<{ name: string }> } }) =>
          resolve(m.list_services_response?.service.map((s) => s.name) ?? []),
        );
        stream.on('error', reject);
        stream.write({ list_services: '' });
        stream.end();
      });
      expect(names).toEqual(expect.arrayContaining(['charging.v1.ChargingService', 'grpc.health.v1.Health']));
    } finally {
      reflection.close();
    }
  });

  it('shuts down gracefully: health turns NOT_SERVING, then calls in flight drain', async () => {
    const other = await startChargingApp();
    const Health = makeClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');
    const health = new Health(other.address, credentials.createInsecure()) as unknown as Client & {
      watch(req: { service: string }): NodeJS.ReadableStream & { cancel(): void };
    };
    const statuses: string[] = [];
    const watch = health.watch({ service: 'charging.v1.ChargingService' });
    watch.on('error', () => undefined); // the cancel below ends the stream with CANCELLED
    const notServing = new Promise<void>((resolve) =>
      watch.on('data', (m: { status: string }) => {
        statuses.push(m.status);
        if (m.status === 'NOT_SERVING') {
          watch.cancel(); // the last call in flight: the drain completes when it ends
          resolve();
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const startedMs = Date.now();
    await Promise.all([other.close(), notServing]);
    expect(Date.now() - startedMs).toBeLessThan(GRPC_SHUTDOWN_TIMEOUT_MS);
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    const late = chargingClient(other.address);
    try {
      expect(
        (await failure(call(late, late.getBalance, GetBalanceRequest.fromPartial({ subscriber: { msisdn: '99999999999' } }), 2_000))).code,
      ).toBe(Status.UNAVAILABLE);
    } finally {
      late.close();
      health.close();
    }
  });

  it('counts calls by method and result', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, EUR);
    await call(client, client.startSession, start(msisdn, uniqueId('s'), MB));
    await failure(call(client, client.startSession, start(msisdn, '', MB)));
    await call(client, client.debitEvent, debit('99999999999', uniqueId('e')));
    const requests = await env.registry.getSingleMetric('ratel_grpc_requests_total')!.get();
    const count = (method: string, result: string) =>
      requests.values.find((v) => v.labels.method === method && v.labels.result === result)?.value ?? 0;
    expect(count('StartSession', 'SUCCESS')).toBeGreaterThan(0);
    expect(count('StartSession', 'INVALID_ARGUMENT')).toBeGreaterThan(0);
    expect(count('DebitEvent', 'USER_UNKNOWN')).toBeGreaterThan(0);
    const duration = await env.registry.getSingleMetric('ratel_grpc_request_duration_seconds')!.get();
    expect(duration.values.some((v) => v.labels.method === 'DebitEvent' && v.labels.le === 0.0005)).toBe(true);
  });
});

/**
 * `npm run try:charge`: a sample charge against a running charging app (see `npm start`): a voice
 * session (start, one update, terminate) and an SMS for the demo subscriber, printing each answer
 * and the balance. The address: RATEL_GRPC_ADDR, else the one the running `npm start` wrote to
 * $RATEL_HOME/endpoints.json (default .ratel/), never a guessed default port that another program
 * may hold. RATEL_TRY_MSISDN (default the seed's demo-prepaid-1 line). Plaintext: local system only.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ChargingServiceClient, UnitType } from '@app/proto';

function grpcAddress(): string {
  if (process.env.RATEL_GRPC_ADDR) return process.env.RATEL_GRPC_ADDR;
  const file = join(resolve(process.env.RATEL_HOME ?? join(__dirname, '..', '.ratel')), 'endpoints.json');
  let addr: unknown;
  try {
    addr = (JSON.parse(readFileSync(file, 'utf8')) as { RATEL_GRPC_ADDR?: unknown }).RATEL_GRPC_ADDR;
  } catch {
    throw new Error(`no running npm start found (${file} is missing): run npm start, or set RATEL_GRPC_ADDR`);
  }
  if (typeof addr !== 'string' || !/^[\w.-]+:\d{1,5}$/.test(addr)) throw new Error(`${file}: RATEL_GRPC_ADDR is not host:port`);
  return addr;
}

const MSISDN = process.env.RATEL_TRY_MSISDN ?? '33612000001';
const CALL_DEADLINE_MS = 5_000;

let client: ChargingServiceClient;

function call<Req, Res>(method: string, req: Req): Promise<Res> {
  const fn = (client as unknown as Record<string, (r: Req, m: Metadata, o: object, cb: (e: Error | null, r: Res) => void) => void>)[method];
  return new Promise((resolve, reject) =>
    fn.call(client, req, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const show = (label: string, v: unknown) =>
  process.stdout.write(`${label}: ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 1).replace(/\n\s*/g, ' ')}\n`);

async function main(): Promise<void> {
  const addr = grpcAddress();
  process.stdout.write(`try-charge: charging at ${addr}\n`);
  client = new ChargingServiceClient(addr, credentials.createInsecure());
  const subscriber = { msisdn: MSISDN };
  const sessionId = `try-${randomUUID()}`;
  const voice = (requested: bigint, used: bigint) => [
    { ratingGroup: 10, serviceId: 0, requestedUnits: requested, usedUnits: used, unit: UnitType.SECONDS },
  ];
  const base = { sessionId, subscriber, calledNumber: '33612345678' };
  show('StartSession', await call('startSession', { ...base, requestNumber: 0, services: voice(120n, 0n) }));
  show('UpdateSession', await call('updateSession', { ...base, requestNumber: 1, services: voice(120n, 95n) }));
  show('TerminateSession', await call('terminateSession', { ...base, requestNumber: 2, services: voice(0n, 40n) }));
  const sms = {
    requestId: `try-sms-${randomUUID()}`,
    subscriber,
    calledNumber: '33612345678',
    service: { ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
  };
  show('DebitEvent (SMS)', await call('debitEvent', sms));
  show('GetBalance', await call('getBalance', { subscriber }));
  client.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`try-charge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

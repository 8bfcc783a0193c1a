/**
 * What the virtual users of the generator send. Every request is encoded once, before the timed
 * loop, with the generated ts-proto encoders; inside the loop a virtual user only writes the
 * digits of its session/request id and of the subscriber's MSISDN into its own copy of the
 * encoded bytes (the placeholders have a fixed width, so no length prefix moves).
 *
 * Scenario `mix` (a network's traffic): each virtual user, again and again, either sends an SMS
 * (DebitEvent, rating group 30, 1 EVENTS unit) with probability smsShare, or runs a session:
 * StartSession, minUpdates..maxUpdates UpdateSession, TerminateSession, with request numbers
 * 0, 1, 2..., as voice (rating group 10, SECONDS) with probability voiceShare or else data
 * (rating group 20, BYTES). The subscriber is drawn uniformly from msisdnBase + [0, subscribers).
 *
 * Scenario `echo-ceiling`: every request is the same DebitEvent, byte for byte the request h2load
 * sends (see h2load.ts), so the generator and h2load can be compared on identical work.
 */
import { createHash } from 'node:crypto';
import { DebitEventRequest, StartSessionRequest, TerminateSessionRequest, UnitType, UpdateSessionRequest } from '@app/proto';
import { RatingGroups } from '@app/rating';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { GRPC_PREFIX_BYTES, grpcFrame, writeDigits } from './frames';
import { BATCH_ITEM_FIELD, METHOD_NAMES, MethodName } from './charging-api';

export type ScenarioName = 'mix' | 'echo-ceiling';

export interface MixOptions {
  subscribers: number;
  msisdnBase: number;
  smsShare: number;
  voiceShare: number;
  minUpdates: number;
  maxUpdates: number;
}

export const DEFAULT_MIX: MixOptions = {
  subscribers: 100_000,
  msisdnBase: 4915100000000,
  smsShare: 0.3,
  voiceShare: 0.5,
  minUpdates: 2,
  maxUpdates: 3,
};

/** Rating groups of the mix: Ratel's conventions, which the seeded load-test plan rates. */
export const RATING_GROUP = { voice: RatingGroups.VOICE, data: RatingGroups.DATA, sms: RatingGroups.SMS } as const;
const VOICE_QUOTA_SECONDS = 60n;
const VOICE_LAST_SECONDS = 25n;
const DATA_QUOTA_BYTES = 1_000_000n;
const DATA_LAST_BYTES = 300_000n;
const CALLED_NUMBER = '4930123456';
const SMS_RECIPIENT = '4917612345678';

/** Ids: kind letter, 6-char run tag, 2-digit worker, 4-digit user, 10-digit sequence. */
const ID_PREFIX_WIDTH = 1 + 6 + 1 + 2 + 1 + 4 + 1;
const ID_SEQ_WIDTH = 10;
const ID_WIDTH = ID_PREFIX_WIDTH + ID_SEQ_WIDTH;
const ID_PLACEHOLDER = 'I'.repeat(ID_WIDTH);
export const WORKERS_MAX = 99;
export const USERS_PER_WORKER_MAX = 9999;

/** A request ready to send: which method, and its gRPC frame. */
export interface Step {
  method: number; // index into METHOD_NAMES
  frame: Buffer;
}

export interface VirtualUser {
  next(): Step;
}

/** An encoded request with the offsets of its id and MSISDN placeholders. */
interface Template {
  method: number;
  frame: Buffer;
  idOff: number;
  msisdnOff: number; // -1 when the request has no subscriber placeholder
}

function offsetOf(frame: Buffer, placeholder: string): number {
  const off = frame.indexOf(placeholder, 0, 'latin1');
  if (off < 0 || frame.indexOf(placeholder, off + 1, 'latin1') >= 0)
    throw new Error(`placeholder ${placeholder.slice(0, 3)}... not found exactly once`);
  return off;
}

function template(method: MethodName, message: Uint8Array, msisdnPlaceholder: string): Template {
  const frame = grpcFrame(message);
  return {
    method: METHOD_NAMES.indexOf(method),
    frame,
    idOff: offsetOf(frame, ID_PLACEHOLDER),
    msisdnOff: offsetOf(frame, msisdnPlaceholder),
  };
}

function sessionTemplates(kind: 'voice' | 'data', o: MixOptions, msisdn: string) {
  const voice = kind === 'voice';
  const base = { sessionId: ID_PLACEHOLDER, subscriber: { msisdn }, calledNumber: voice ? CALLED_NUMBER : '', services: [] };
  const svc = (requested: bigint, used: bigint) => ({
    ratingGroup: voice ? RATING_GROUP.voice : RATING_GROUP.data,
    serviceId: 0,
    requestedUnits: requested,
    usedUnits: used,
    unit: voice ? UnitType.SECONDS : UnitType.BYTES,
  });
  const quota = voice ? VOICE_QUOTA_SECONDS : DATA_QUOTA_BYTES;
  const last = voice ? VOICE_LAST_SECONDS : DATA_LAST_BYTES;
  const start = template(
    'StartSession',
    StartSessionRequest.encode({ ...base, requestNumber: 0, services: [svc(quota, 0n)] }).finish(),
    msisdn,
  );
  const updates: Template[] = [];
  for (let rn = 1; rn <= o.maxUpdates; rn++) {
    updates.push(
      template(
        'UpdateSession',
        UpdateSessionRequest.encode({ ...base, requestNumber: rn, services: [svc(quota, quota)] }).finish(),
        msisdn,
      ),
    );
  }
  const terminates: Template[] = []; // index = number of updates before it
  for (let n = 0; n <= o.maxUpdates; n++) {
    terminates.push(
      template(
        'TerminateSession',
        TerminateSessionRequest.encode({ ...base, requestNumber: n + 1, services: [svc(0n, last)] }).finish(),
        msisdn,
      ),
    );
  }
  return { start, updates, terminates };
}

/** The fixed SMS DebitEvent of the echo-ceiling scenario and of h2load's request file. */
export function ceilingDebitMessage(msisdnBase = DEFAULT_MIX.msisdnBase): Uint8Array {
  return DebitEventRequest.encode({
    requestId: 'ceiling-0000000000000000000',
    subscriber: { msisdn: String(msisdnBase) },
    calledNumber: SMS_RECIPIENT,
    service: { ratingGroup: RATING_GROUP.sms, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
  }).finish();
}

/** The seed of h2load's mix items: the same run id gives the same bytes (its check and its load send one call). */
const CHARGE_MIX_SEED = 0x5eed;

/**
 * `n` ChargeBatch / ChargeStream items for h2load's pre-encoded calls, each an encoded ChargeItem: `n`
 * consecutive requests of one virtual user of the unary mix (`o`: SMS debits, and voice and data
 * sessions from start through their updates to terminate, each session's items in order), correlation
 * ids c0..c(n-1). A session cut by the end of the call is left open, as a real element's batch leaves
 * it. The run tag of the ids is derived from `runId`.
 */
export function chargeMixItems(n: number, runId: string, o: MixOptions = DEFAULT_MIX): Buffer[] {
  const runTag = createHash('sha1').update(runId).digest('hex').slice(0, 6);
  const user = mixUser(mixTemplates(o), o, runTag, 0, 0, CHARGE_MIX_SEED);
  // Each step is encoded at once: the user patches its templates in place for the next one.
  return Array.from({ length: n }, (_, i) => Buffer.from(writeItem(new BinaryWriter(), user.next(), `c${i}`).finish()));
}

/** A ChargeBatchRequest of already-encoded items (its repeated field 1). */
export function chargeBatchOf(items: readonly Uint8Array[]): Uint8Array {
  const w = new BinaryWriter();
  for (const item of items) w.uint32(10).bytes(item);
  return w.finish();
}

function debitTemplate(msisdn: string): Template {
  const msg = DebitEventRequest.encode({
    requestId: ID_PLACEHOLDER,
    subscriber: { msisdn },
    calledNumber: SMS_RECIPIENT,
    service: { ratingGroup: RATING_GROUP.sms, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
  }).finish();
  return template('DebitEvent', msg, msisdn);
}

/** All templates of the mix, encoded once per worker. */
export interface MixTemplates {
  voice: ReturnType<typeof sessionTemplates>;
  data: ReturnType<typeof sessionTemplates>;
  debit: Template;
  msisdnWidth: number;
}

export function mixTemplates(o: MixOptions): MixTemplates {
  validateMix(o);
  const width = String(o.msisdnBase).length;
  const placeholder = 'M'.repeat(width);
  return {
    voice: sessionTemplates('voice', o, placeholder),
    data: sessionTemplates('data', o, placeholder),
    debit: debitTemplate(placeholder),
    msisdnWidth: width,
  };
}

export function validateMix(o: MixOptions): void {
  const first = String(o.msisdnBase);
  const last = String(o.msisdnBase + o.subscribers - 1);
  if (!Number.isSafeInteger(o.msisdnBase + o.subscribers) || first.length !== last.length || first.length < 5 || first.length > 15) {
    throw new Error(`MSISDNs ${first}..${last} must all have the same number of digits (5-15)`);
  }
  if (!(o.subscribers >= 1)) throw new Error('subscribers must be >= 1');
  if (!(o.smsShare >= 0 && o.smsShare <= 1 && o.voiceShare >= 0 && o.voiceShare <= 1)) throw new Error('shares must be within 0..1');
  if (!(Number.isInteger(o.minUpdates) && o.minUpdates >= 0 && o.maxUpdates >= o.minUpdates && o.maxUpdates <= 16))
    throw new Error('need 0 <= minUpdates <= maxUpdates <= 16');
}

/** xorshift32: a small, fast, seedable generator (quality is plenty for picking subscribers). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function copy(t: Template): Template {
  return { ...t, frame: Buffer.from(t.frame) };
}

/** The id prefix of one virtual user: kind letter, run tag, worker, user. */
function writeIdPrefix(frame: Buffer, off: number, kind: 's' | 'e', runTag: string, worker: number, user: number): void {
  frame.write(`${kind}${runTag}-${String(worker).padStart(2, '0')}-${String(user).padStart(4, '0')}-`, off, 'latin1');
}

/** A virtual user of the mix scenario; owns private copies of the templates it patches. */
export function mixUser(t: MixTemplates, o: MixOptions, runTag: string, worker: number, user: number, seed: number): VirtualUser {
  if (runTag.length !== 6) throw new Error('run tag must be 6 characters');
  if (worker > WORKERS_MAX || user > USERS_PER_WORKER_MAX) throw new Error('too many workers or users');
  const random = rng(seed);
  const own = (kind: MixTemplates['voice']) => {
    const start = copy(kind.start);
    const updates = kind.updates.map(copy);
    const terminates = kind.terminates.map(copy);
    for (const x of [start, ...updates, ...terminates]) writeIdPrefix(x.frame, x.idOff, 's', runTag, worker, user);
    return { start, updates, terminates };
  };
  const voice = own(t.voice);
  const data = own(t.data);
  const debit = copy(t.debit);
  writeIdPrefix(debit.frame, debit.idOff, 'e', runTag, worker, user);
  const queue: Template[] = [];
  let head = 0;
  let sessionSeq = 0;
  let eventSeq = 0;
  const patch = (x: Template, seq: number, msisdn: number) => {
    writeDigits(x.frame, x.idOff + ID_PREFIX_WIDTH, ID_SEQ_WIDTH, seq);
    writeDigits(x.frame, x.msisdnOff, t.msisdnWidth, msisdn);
  };
  const updateSpan = o.maxUpdates - o.minUpdates + 1;
  return {
    next(): Step {
      if (head < queue.length) return queue[head++];
      const msisdn = o.msisdnBase + Math.floor(random() * o.subscribers);
      if (random() < o.smsShare) {
        patch(debit, ++eventSeq, msisdn);
        return debit;
      }
      const kind = random() < o.voiceShare ? voice : data;
      const updates = o.minUpdates + Math.floor(random() * updateSpan);
      const seq = ++sessionSeq;
      queue.length = 0;
      queue.push(kind.start, ...kind.updates.slice(0, updates), kind.terminates[updates]);
      for (const x of queue) patch(x, seq, msisdn);
      head = 1;
      return queue[0];
    },
  };
}

/** A virtual user of the echo-ceiling scenario: the same frame forever. */
export function ceilingUser(frame: Buffer): VirtualUser {
  const step: Step = { method: METHOD_NAMES.indexOf('DebitEvent'), frame };
  return { next: () => step };
}

/** Writes a unary request (its encoded message) as a ChargeItem with this correlation id. */
export function writeItem(w: BinaryWriter, step: Step, correlationId: string): BinaryWriter {
  const field = BATCH_ITEM_FIELD[METHOD_NAMES[step.method]];
  if (field === undefined) throw new Error(`${METHOD_NAMES[step.method]} cannot be a batch item`);
  w.uint32(10).string(correlationId);
  return w.uint32((field << 3) | 2).bytes(step.frame.subarray(GRPC_PREFIX_BYTES));
}

/**
 * A virtual user of ChargeBatch: `lanes` virtual users of the unary scenario, each contributing its
 * next request to every batch, so a lane's session still runs start, updates, terminate in order
 * (one step per batch: the next batch leaves only when this one is answered). The batch is encoded
 * from the lanes' already-encoded messages (ChargeItem wraps each as its oneof field).
 */
export function batchUser(lanes: VirtualUser[]): VirtualUser {
  const method = METHOD_NAMES.indexOf('ChargeBatch');
  const ids = lanes.map((_, i) => `c${i}`);
  return {
    next(): Step {
      const w = new BinaryWriter();
      lanes.forEach((lane, i) => writeItem(w.uint32(10).fork(), lane.next(), ids[i]).join());
      return { method, frame: grpcFrame(w.finish()) };
    },
  };
}

/** A 6-character run tag (base 36 of the start second), so ids of two runs never collide. */
export function makeRunTag(nowMs = Date.now()): string {
  return Math.floor(nowMs / 1000)
    .toString(36)
    .slice(-6)
    .padStart(6, '0');
}

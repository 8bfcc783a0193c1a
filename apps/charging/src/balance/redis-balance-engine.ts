/**
 * The balance engine on Redis: each mutating call is one atomic Lua script (lua/*.lua) on the
 * keys of one slot bucket, which also writes the call's rated events and notifications to the
 * bucket's outbox. Inputs are validated here first: a bad request reaches no script.
 */
import { systemClock, type Clock } from '@app/observability';
import type { Histogram, Registry } from 'prom-client';
import { BalanceError, BalanceErrorCode, fromScriptError } from './balance.errors';
import {
  ACCOUNT_STATUSES,
  AMOUNT_MAX_MICROS,
  AccountProjection,
  AccountStatus,
  AccountType,
  BalanceEngine,
  BalanceView,
  BucketGrant,
  CycleCounters,
  EventCommand,
  EventResult,
  IDEMPOTENCY_TTL_MS,
  RenewalCommand,
  RenewalResult,
  RouteChangeHandlers,
  RouteChangeWatch,
  SessionCommand,
  SessionResult,
  SubscriberRoute,
} from './balance-engine.port';
import { scriptDurationHistogram } from './balance-metrics';
import { ChargeCoalescer } from './charge-coalescer';
import { eventArg, parseBucket, parseEventReply, parseReservation, parseSessionReply, scriptReply, sessionArg } from './codec';
import { ACCOUNT_SLOT_BUCKETS, BalanceKeys, duplicateClient, parseExpiryMember, perKeyBatch, type RedisClient } from '@app/keyspace';
import { FunctionLibrary, functionLibrary, loadFunctionLibrary, ScriptName, VARIABLE_KEYS, withLibrary } from './script-loader';
import {
  ACCOUNT_ID,
  checkInt,
  checkMicros,
  checkPattern,
  PLAN_JSON_MAX_BYTES,
  TIME_MAX_MS,
  OPAQUE_ID,
  SUBSCRIBER_ID,
  validateAccount,
  validateBucket,
  validateEventCommand,
  validateRenewal,
  validateRoute,
  validateSessionCommand,
} from './validation';

/** Answers kept per session for retries (the newest ones; older request numbers are OUT_OF_SEQUENCE). */
export const SESSION_REPLIES_KEPT = 16;
/** Largest `limit` of one expireDue call. */
export const EXPIRE_DUE_LIMIT_MAX = 10_000;

export interface RedisBalanceEngineOptions {
  /** Prefix of every key (RATEL_REDIS_PREFIX); tests use a random one each. */
  prefix: string;
  /** Where `ratel_script_duration_seconds{script}` is recorded; none = not recorded. */
  registry?: Registry;
  /** Time of provisioning events (upsertAccount); charging calls carry their own nowMs. */
  clock?: Clock;
  /** Another directory of Lua scripts (benchmarks comparing versions); default: this build's. */
  luaDir?: string;
  /**
   * Coalesce charge() and event() calls made in one event-loop turn: one chargeGroup call per slot
   * bucket, all in one pipelined write (charge-coalescer.ts). Same answers, fewer Redis calls.
   */
  coalesce?: boolean;
}

/** CLIENT SETNAME of the connection that follows route changes. */
export const ROUTE_WATCH_CONNECTION_NAME = 'ratel-route-watch';

/** Throws the first error of a MULTI/EXEC's replies (ioredis reports them per command). */
function execOrThrow(replies: [Error | null, unknown][] | null): void {
  if (!replies) throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, 'transaction aborted');
  const failed = replies.find(([err]) => err);
  if (failed) throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, failed[0]!.message);
}

export class RedisBalanceEngine implements BalanceEngine {
  readonly keys: BalanceKeys;
  private readonly library: FunctionLibrary;
  private loading?: Promise<void>;
  private readonly duration?: Histogram<'script'>;
  private readonly clock: Clock;
  private sweepStart = 0;
  private readonly coalescer?: ChargeCoalescer;

  constructor(
    private readonly redis: RedisClient,
    options: RedisBalanceEngineOptions,
  ) {
    checkPattern('prefix', options.prefix, /^[A-Za-z0-9_.:-]{0,32}$/);
    this.keys = new BalanceKeys(options.prefix);
    this.library = functionLibrary(options.luaDir);
    this.duration = options.registry ? scriptDurationHistogram(options.registry) : undefined;
    this.clock = options.clock ?? systemClock;
    if (options.coalesce) {
      this.coalescer = new ChargeCoalescer({
        redis,
        library: this.library,
        loadScripts: () => this.loadScripts(),
        duration: this.duration,
      });
    }
  }

  async charge(cmd: SessionCommand): Promise<SessionResult> {
    validateSessionCommand(cmd);
    const k = this.keys.account(cmd.accountId);
    const keys = [k.acct, k.bkt, k.rsv, k.cyc, k.session(cmd.sessionId), k.rexp, k.outbox];
    const arg = sessionArg(cmd, IDEMPOTENCY_TTL_MS, SESSION_REPLIES_KEPT);
    const raw = this.coalescer
      ? await this.coalescer.call('chargeSession', k.outbox, keys, arg)
      : await this.run('chargeSession', keys, [arg]);
    const { json, replayed } = scriptReply(raw, 'chargeSession');
    return parseSessionReply(json, replayed);
  }

  async event(cmd: EventCommand): Promise<EventResult> {
    validateEventCommand(cmd);
    const k = this.keys.account(cmd.accountId);
    const own = k.idem(cmd.requestId);
    const refunded = cmd.kind === 'REFUND' ? k.idem(cmd.refundOfRequestId!) : own;
    const keys = [k.acct, k.bkt, k.cyc, own, refunded, k.outbox];
    const arg = eventArg(cmd, IDEMPOTENCY_TTL_MS);
    const raw = this.coalescer ? await this.coalescer.call('eventCharge', k.outbox, keys, arg) : await this.run('eventCharge', keys, [arg]);
    const { json, replayed } = scriptReply(raw, 'eventCharge');
    return parseEventReply(json, replayed);
  }

  async getBalance(accountId: string, nowMs: number): Promise<BalanceView | undefined> {
    checkPattern('accountId', accountId, ACCOUNT_ID);
    checkInt('nowMs', nowMs, 0, TIME_MAX_MS);
    const k = this.keys.account(accountId);
    const res = await this.redis.pipeline().hgetall(k.acct).hgetall(k.bkt).hgetall(k.rsv).exec();
    const [acct, bkt, rsv] = (res ?? []).map(([err, v]) => {
      if (err) throw fromScriptError('getBalance', err);
      return v as Record<string, string>;
    });
    if (!acct || Object.keys(acct).length === 0) return undefined;
    const type = acct.type as AccountType;
    const balance = BigInt(acct.balance);
    const reserved = BigInt(acct.reserved);
    const creditLimit = BigInt(acct.creditLimit);
    return {
      accountId,
      type,
      status: acct.status as AccountStatus,
      currency: acct.currency,
      balanceMicros: balance,
      reservedMicros: reserved,
      creditLimitMicros: creditLimit,
      availableMicros: balance - reserved + (type === 'POSTPAID' ? creditLimit : 0n),
      buckets: Object.entries(bkt)
        .map(([id, json]) => parseBucket(id, json))
        .filter((b) => b.expiresAtMs > nowMs),
      reservations: Object.entries(rsv).map(([field, json]) => parseReservation(field, json)),
    };
  }

  async upsertAccount(p: AccountProjection, initialBalanceMicros: bigint, cycle?: CycleCounters): Promise<void> {
    validateAccount(p, initialBalanceMicros, cycle);
    const k = this.keys.account(p.accountId);
    // Tier counters to restore when the script creates the account (none: the cycle hash is not touched).
    const counters =
      cycle && cycle.units.length > 0 ? { cycle: cycle.cycleId, cu: cycle.units.map((u) => ({ rg: u.ratingGroup, units: u.units })) } : {};
    const arg = JSON.stringify({
      acct: p.accountId,
      type: p.type,
      currency: p.currency,
      creditLimit: Number(p.creditLimitMicros),
      status: p.status,
      thresholds: p.thresholdsMicros.map(String).join(','),
      tz: p.timeZone,
      planId: p.planId,
      cycleDay: p.cycleDay,
      initial: Number(initialBalanceMicros),
      now: this.clock.nowMs(),
      ...counters,
    });
    await this.run('upsertAccount', [k.acct, k.outbox, k.cyc], [arg]);
  }

  async topUp(
    accountId: string,
    requestId: string,
    amountMicros: bigint,
    nowMs: number,
  ): Promise<{ balanceMicros: bigint; replayed: boolean }> {
    checkPattern('accountId', accountId, ACCOUNT_ID);
    checkPattern('requestId', requestId, OPAQUE_ID);
    // Negative: a top-up's reversal (topUp-3.lua).
    checkMicros('amountMicros', amountMicros, -AMOUNT_MAX_MICROS);
    if (amountMicros === 0n) throw new BalanceError(BalanceErrorCode.INVALID_ARGUMENT, 'must not be 0', 'amountMicros');
    checkInt('nowMs', nowMs, 0, TIME_MAX_MS);
    const k = this.keys.account(accountId);
    const args = [accountId, requestId, amountMicros.toString(), nowMs, IDEMPOTENCY_TTL_MS];
    const { json, replayed } = scriptReply(await this.run('topUp', [k.acct, k.idem(requestId), k.outbox], args), 'topUp');
    return { balanceMicros: BigInt(json), replayed };
  }

  async grantBucket(g: BucketGrant): Promise<void> {
    validateBucket(g);
    const k = this.keys.account(g.accountId);
    const rgs = [...new Set(g.ratingGroups)].sort((a, b) => a - b);
    const def = {
      unit: g.unit,
      rgs,
      total: g.units,
      from: g.validFromMs,
      until: g.expiresAtMs,
      ...(g.remainingUnits !== undefined ? { remaining: g.remainingUnits } : {}),
    };
    await this.run('grantBucket', [k.acct, k.bkt], [g.bucketId, JSON.stringify(def)]);
  }

  async renew(cmd: RenewalCommand): Promise<RenewalResult> {
    validateRenewal(cmd);
    const k = this.keys.account(cmd.accountId);
    const buckets = cmd.buckets.map((b) => ({
      id: b.bucketId,
      unit: b.unit,
      rgs: [...new Set(b.ratingGroups)].sort((x, y) => x - y),
      total: b.units,
      from: b.validFromMs,
      until: b.expiresAtMs,
    }));
    const args = [
      cmd.accountId,
      cmd.requestId,
      cmd.feeMicros.toString(),
      cmd.nowMs,
      cmd.recordTtlMs,
      cmd.subscriberId,
      cmd.chargeId,
      JSON.stringify(buckets),
      cmd.notifyIfUnpaid ? 1 : 0,
      cmd.replayOnly ? 1 : 0,
    ];
    const raw = await this.run('renewSubscription', [k.acct, k.bkt, k.idem(cmd.requestId), k.outbox], args);
    const { json, replayed } = scriptReply(raw, 'renewSubscription');
    const [code, micros] = json.split(' ');
    if (code === 'PAID') return { paid: true, balanceMicros: BigInt(micros), replayed };
    if (code === 'UNPAID') return { paid: false, expired: false, availableMicros: BigInt(micros) };
    if (code === 'EXPIRED') return { paid: false, expired: true };
    throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, `renewSubscription: unexpected reply ${json}`);
  }

  async setStatus(accountId: string, status: AccountStatus): Promise<void> {
    checkPattern('accountId', accountId, ACCOUNT_ID);
    if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) {
      throw new BalanceError(BalanceErrorCode.INVALID_ARGUMENT, `must be one of ${ACCOUNT_STATUSES.join(', ')}`, 'status');
    }
    await this.run('setStatus', [this.keys.account(accountId).acct], [status]);
  }

  async routeSubscriber(subscriberId: string, route: SubscriberRoute): Promise<void> {
    validateRoute(subscriberId, route);
    const { accountId, planId, timeZone, currency, cycleDay } = route;
    const json = JSON.stringify({ accountId, planId, timeZone, currency, cycleDay });
    // The publish tells every gateway's route cache (apps/charging/src/charging/route-cache.ts).
    execOrThrow(
      await this.redis.multi().set(this.keys.subscriber(subscriberId), json).publish(this.keys.routeChanges(), subscriberId).exec(),
    );
  }

  async unrouteSubscriber(subscriberId: string): Promise<void> {
    checkPattern('subscriberId', subscriberId, SUBSCRIBER_ID);
    execOrThrow(await this.redis.multi().del(this.keys.subscriber(subscriberId)).publish(this.keys.routeChanges(), subscriberId).exec());
  }

  async resolveSubscriber(subscriberId: string): Promise<SubscriberRoute | undefined> {
    checkPattern('subscriberId', subscriberId, SUBSCRIBER_ID);
    const raw = await this.redis.get(this.keys.subscriber(subscriberId));
    return raw === null ? undefined : (JSON.parse(raw) as SubscriberRoute);
  }

  async watchRouteChanges(handlers: RouteChangeHandlers): Promise<RouteChangeWatch> {
    const channel = this.keys.routeChanges();
    // Subscribed by hand on every (re)connect, so `listening(true)` means the SUBSCRIBE was answered.
    const sub = duplicateClient(this.redis, {
      autoResubscribe: false,
      enableOfflineQueue: true,
      lazyConnect: true,
      maxRetriesPerRequest: null,
      connectionName: ROUTE_WATCH_CONNECTION_NAME,
    });
    let stopped = false;
    sub.on('message', (ch: string, subscriberId: string) => {
      if (ch === channel) handlers.changed(subscriberId);
    });
    sub.on('close', () => handlers.listening(false));
    sub.on('error', () => undefined); // reconnects by itself; `close` already said changes may be missed
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => !stopped && handlers.listening(true),
        () => sub.disconnect(true), // try again on a fresh connection
      );
    });
    await sub.connect();
    return {
      stop: async () => {
        stopped = true;
        handlers.listening(false);
        sub.disconnect();
      },
    };
  }

  async putPlan(planId: string, planJson: string): Promise<void> {
    checkPattern('planId', planId, OPAQUE_ID);
    if (typeof planJson !== 'string' || Buffer.byteLength(planJson) > PLAN_JSON_MAX_BYTES) {
      throw new BalanceError(BalanceErrorCode.LIMIT_EXCEEDED, `must be a string of at most ${PLAN_JSON_MAX_BYTES} bytes`, 'planJson');
    }
    try {
      JSON.parse(planJson);
    } catch {
      throw new BalanceError(BalanceErrorCode.INVALID_ARGUMENT, 'must be JSON', 'planJson');
    }
    await this.redis.set(this.keys.plan(planId), planJson);
  }

  async getPlan(planId: string): Promise<string | undefined> {
    checkPattern('planId', planId, OPAQUE_ID);
    return (await this.redis.get(this.keys.plan(planId))) ?? undefined;
  }

  /**
   * Reads up to `limit` due entries from the 256 bucket indexes (one pipeline, one per index on a cluster; starting at a
   * rotating bucket so no bucket starves) and releases each with expireReservation.
   */
  async expireDue(nowMs: number, limit: number): Promise<number> {
    checkInt('nowMs', nowMs, 0, TIME_MAX_MS);
    checkInt('limit', limit, 1, EXPIRE_DUE_LIMIT_MAX);
    const start = this.sweepStart;
    this.sweepStart = (start + 1) % ACCOUNT_SLOT_BUCKETS;
    const indexes = Array.from({ length: ACCOUNT_SLOT_BUCKETS }, (_, i) => this.keys.rexp((start + i) % ACCOUNT_SLOT_BUCKETS));
    const due: string[] = [];
    for (const [err, members] of await perKeyBatch(this.redis, indexes, (p, key) =>
      p.zrangebyscore(key, '-inf', nowMs, 'LIMIT', 0, limit),
    )) {
      if (err) throw fromScriptError('expireDue', err);
      for (const m of members as string[]) if (due.length < limit) due.push(m);
    }
    const released = await Promise.all(due.map((m) => this.expireOne(m, nowMs)));
    return released.filter(Boolean).length;
  }

  private async expireOne(member: string, nowMs: number): Promise<boolean> {
    const m = parseExpiryMember(member);
    if (!m) throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, `malformed expiry index entry ${JSON.stringify(member)}`);
    const k = this.keys.account(m.accountId);
    const args = [member, m.accountId, m.sessionId, m.ratingGroup, nowMs];
    return (await this.run('expireReservation', [k.acct, k.bkt, k.rsv, k.rexp, k.outbox], args)) === 1;
  }

  /** Loads the scripts' function library into Redis now (else on the first call that misses it). */
  async loadScripts(): Promise<void> {
    this.loading ??= loadFunctionLibrary(this.redis, this.library).finally(() => (this.loading = undefined));
    await this.loading;
  }

  /**
   * Calls one script (FCALL of its function), records its latency, and turns its error replies
   * into BalanceErrors. A Redis without the function (new, restarted without persistence,
   * FUNCTION FLUSH) gets the library loaded and the call once more.
   */
  private async run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const fn = this.library.functions.get(name)!;
    if (fn.numberOfKeys !== VARIABLE_KEYS && keys.length !== fn.numberOfKeys)
      throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, `${name}: ${keys.length} keys given, ${fn.numberOfKeys} expected`);
    const stop = this.duration?.startTimer({ script: name });
    const call = () => this.redis.fcall(fn.fn, keys.length, ...keys, ...args);
    try {
      return await withLibrary(call(), () => this.loadScripts(), call);
    } catch (err) {
      throw fromScriptError(name, err);
    } finally {
      stop?.();
    }
  }
}

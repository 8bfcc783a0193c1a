/**
 * Read-only port onto the charging engine's projection in Redis (apps/charging/README.md "Redis
 * key layout"): `Psub:<subscriberId>` (route JSON), the account hash's `type`, `Pplan:<planId>`.
 * Provisioning owns these keys; mediation never writes them. Lookups are pipelined per batch
 * (one round trip per kind); on a Redis Cluster (RATEL_REDIS_CLUSTER) one command per key, all in
 * flight at once (a pipeline must stay within one slot there).
 */
import { ACCOUNT_ID_PATTERN } from '@app/events';
import { BalanceKeys, perKeyBatch, type RedisClient, type SubscriberRoute } from '@app/keyspace';

export const CDR_SUBSCRIBER_DIRECTORY = Symbol('CDR_SUBSCRIBER_DIRECTORY');

export type { SubscriberRoute };

export interface SubscriberDirectory {
  /** Route of each subscriber; undefined when not routed, or when the stored route is malformed. */
  routes(subscriberIds: readonly string[]): Promise<Map<string, SubscriberRoute | undefined>>;
  /** `PREPAID` / `POSTPAID` of each account; undefined when the engine has no such account. */
  accountTypes(accountIds: readonly string[]): Promise<Map<string, string | undefined>>;
  /** Plan JSON of each plan id; undefined when missing. */
  plans(planIds: readonly string[]): Promise<Map<string, string | undefined>>;
}

const ACCOUNT_ID = ACCOUNT_ID_PATTERN;

/** A route as provisioning writes it, or undefined: a broken projection is reported, not trusted. */
export function parseRoute(json: string | null): SubscriberRoute | undefined {
  if (json === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  const r = v as Partial<SubscriberRoute> | null;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    typeof r.accountId === 'string' &&
    ACCOUNT_ID.test(r.accountId) &&
    typeof r.planId === 'string' &&
    r.planId.length > 0 &&
    typeof r.timeZone === 'string' &&
    typeof r.currency === 'string' &&
    Number.isInteger(r.cycleDay) &&
    (r.cycleDay as number) >= 1 &&
    (r.cycleDay as number) <= 31;
  return ok
    ? { accountId: r.accountId!, planId: r.planId!, timeZone: r.timeZone!, currency: r.currency!, cycleDay: r.cycleDay! }
    : undefined;
}

export class RedisSubscriberDirectory implements SubscriberDirectory {
  private readonly keys: BalanceKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new BalanceKeys(prefix);
  }

  async routes(subscriberIds: readonly string[]): Promise<Map<string, SubscriberRoute | undefined>> {
    const values = await this.each(
      subscriberIds.map((id) => this.keys.subscriber(id)),
      (p, key) => p.get(key),
    );
    return new Map(subscriberIds.map((id, i) => [id, parseRoute(values[i])]));
  }

  async accountTypes(accountIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const values = await this.each(
      accountIds.map((id) => this.keys.account(id).acct),
      (p, key) => p.hget(key, 'type'),
    );
    return new Map(accountIds.map((id, i) => [id, values[i] ?? undefined]));
  }

  async plans(planIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const values = await this.each(
      planIds.map((id) => this.keys.plan(id)),
      (p, key) => p.get(key),
    );
    return new Map(planIds.map((id, i) => [id, values[i] ?? undefined]));
  }

  private async each(keys: readonly string[], add: Parameters<typeof perKeyBatch>[2]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    const results = await perKeyBatch(this.redis, keys, add);
    return results.map(([err, value]) => {
      if (err) throw err;
      return (value as string | null) ?? null;
    });
  }
}

/**
 * Read-only port onto the charging engine's projection in Redis (apps/charging/README.md "Redis
 * key layout"): `Psub:<subscriberId>` (route JSON), the account hash's `type`, `Pplan:<planId>`.
 * Provisioning owns these keys; mediation never writes them. Lookups are pipelined per batch
 * (one round trip per kind) and work on Redis Cluster too (no multi-key commands).
 */
import type Redis from 'ioredis';
import { BalanceKeys } from '@app/keyspace';

export const CDR_SUBSCRIBER_DIRECTORY = Symbol('CDR_SUBSCRIBER_DIRECTORY');

export interface SubscriberRoute {
  accountId: string;
  planId: string;
  timeZone: string;
  currency: string;
  cycleDay: number;
}

export interface SubscriberDirectory {
  /** Route of each subscriber; undefined when not routed, or when the stored route is malformed. */
  routes(subscriberIds: readonly string[]): Promise<Map<string, SubscriberRoute | undefined>>;
  /** `PREPAID` / `POSTPAID` of each account; undefined when the engine has no such account. */
  accountTypes(accountIds: readonly string[]): Promise<Map<string, string | undefined>>;
  /** Plan JSON of each plan id; undefined when missing. */
  plans(planIds: readonly string[]): Promise<Map<string, string | undefined>>;
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

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
    typeof r === 'object' && r !== null &&
    typeof r.accountId === 'string' && ACCOUNT_ID.test(r.accountId) &&
    typeof r.planId === 'string' && r.planId.length > 0 &&
    typeof r.timeZone === 'string' && typeof r.currency === 'string' &&
    Number.isInteger(r.cycleDay) && (r.cycleDay as number) >= 1 && (r.cycleDay as number) <= 31;
  return ok ? { accountId: r.accountId!, planId: r.planId!, timeZone: r.timeZone!, currency: r.currency!, cycleDay: r.cycleDay! } : undefined;
}

export class RedisSubscriberDirectory implements SubscriberDirectory {
  private readonly keys: BalanceKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new BalanceKeys(prefix);
  }

  async routes(subscriberIds: readonly string[]): Promise<Map<string, SubscriberRoute | undefined>> {
    const values = await this.pipelined(subscriberIds, (p, id) => p.get(this.keys.subscriber(id)));
    return new Map(subscriberIds.map((id, i) => [id, parseRoute(values[i])]));
  }

  async accountTypes(accountIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const values = await this.pipelined(accountIds, (p, id) => p.hget(this.keys.account(id).acct, 'type'));
    return new Map(accountIds.map((id, i) => [id, values[i] ?? undefined]));
  }

  async plans(planIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const values = await this.pipelined(planIds, (p, id) => p.get(this.keys.plan(id)));
    return new Map(planIds.map((id, i) => [id, values[i] ?? undefined]));
  }

  private async pipelined(ids: readonly string[], add: (p: ReturnType<Redis['pipeline']>, id: string) => unknown): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) add(p, id);
    const results = (await p.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return (value as string | null) ?? null;
    });
  }
}

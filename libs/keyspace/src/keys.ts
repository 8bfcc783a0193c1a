/**
 * The Redis key layout of the balance engine (apps/charging/README.md "Redis key layout"). Every
 * key of one account carries the hash tag of its slot bucket `{b:N}`, so each script touches one
 * Redis Cluster slot while still writing the bucket's expiry index and outbox.
 */

/** Number of slot buckets. Never change it once data exists: keys would move. */
export const ACCOUNT_SLOT_BUCKETS = 256;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The slot bucket of an account: fnv1a32(utf8(accountId)) mod 256. */
export function slotBucket(accountId: string): number {
  return fnv1a32(accountId) % ACCOUNT_SLOT_BUCKETS;
}

/** Key names under one prefix. */
export class BalanceKeys {
  constructor(readonly prefix: string) {}

  tag(bucket: number): string {
    return `${this.prefix}{b:${bucket}}`;
  }

  account(accountId: string): AccountKeys {
    const t = this.tag(slotBucket(accountId));
    return {
      acct: `${t}:acct:${accountId}`,
      bkt: `${t}:bkt:${accountId}`,
      rsv: `${t}:rsv:${accountId}`,
      cyc: `${t}:cyc:${accountId}`,
      rexp: `${t}:rexp`,
      outbox: `${t}:outbox`,
      session: (sessionId: string) => `${t}:sess:${accountId}:${sessionId}`,
      idem: (requestId: string) => `${t}:idem:${accountId}:${requestId}`,
    };
  }

  rexp(bucket: number): string {
    return `${this.tag(bucket)}:rexp`;
  }

  outbox(bucket: number): string {
    return `${this.tag(bucket)}:outbox`;
  }

  subscriber(subscriberId: string): string {
    return `${this.prefix}sub:${subscriberId}`;
  }

  plan(planId: string): string {
    return `${this.prefix}plan:${planId}`;
  }

  /** Pub/sub channel on which every route change (route, unroute) publishes the subscriber id. */
  routeChanges(): string {
    return `${this.prefix}routes:changed`;
  }
}

export interface AccountKeys {
  acct: string;
  bkt: string;
  rsv: string;
  cyc: string;
  rexp: string;
  outbox: string;
  session(sessionId: string): string;
  idem(requestId: string): string;
}

/** A member of a bucket's `rexp` zset: `<accountId>|<sessionId>|<ratingGroup>`. */
export interface ExpiryMember {
  accountId: string;
  sessionId: string;
  ratingGroup: number;
}

export function parseExpiryMember(member: string): ExpiryMember | undefined {
  const parts = member.split('|');
  if (parts.length !== 3) return undefined;
  const ratingGroup = Number(parts[2]);
  if (!Number.isSafeInteger(ratingGroup)) return undefined;
  return { accountId: parts[0], sessionId: parts[1], ratingGroup };
}

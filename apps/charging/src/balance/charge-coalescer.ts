/**
 * Coalesces the balance engine's charging calls (chargeSession, eventCharge) made within one
 * event-loop turn: they are grouped by slot bucket, each group of two or more goes to Redis as one
 * chargeGroup call that runs the items one after the other with the very code of their own scripts,
 * a group of one as the item's own script call, and every call of the turn leaves in one pipelined
 * write (on a Redis Cluster, as separate calls: a pipeline there must stay on one slot).
 *
 * Nothing waits for a batch to fill: the turn's calls are sent when the turn ends (setImmediate), so
 * a caller alone is answered as soon as it would be without coalescing. Each item gets the reply
 * or the error its own script call would have given; an item's error fails that item alone.
 */
import { type RedisClient, isCluster } from '@app/keyspace';
import type { Histogram } from 'prom-client';
import { BalanceError, BalanceErrorCode, fromScriptError } from './balance.errors';
import { FunctionLibrary, withLibrary } from './script-loader';

/**
 * Items of one chargeGroup call at most: Redis runs nothing else meanwhile, and an item costs
 * about 130 µs of Redis time (RESULTS.md), so a group holds Redis for about 8 ms at most.
 */
export const CHARGE_GROUP_ITEMS_MAX = 64;

/** The scripts whose calls are coalesced, with their item tag in chargeGroup's ARGV. */
export const GROUPED_SCRIPTS = { chargeSession: 'S', eventCharge: 'E' } as const;
export type GroupedScript = keyof typeof GROUPED_SCRIPTS;

interface Item {
  script: GroupedScript;
  keys: string[];
  arg: string;
  resolve(reply: unknown): void;
  reject(err: unknown): void;
}

export interface ChargeCoalescerOptions {
  redis: RedisClient;
  library: FunctionLibrary;
  /** Loads the library into Redis (when a call finds its function missing). */
  loadScripts(): Promise<void>;
  /** `ratel_script_duration_seconds{script}`: one observation per Redis call (chargeGroup counted as such). */
  duration?: Histogram<'script'>;
}

/** The Redis reply of a chargeGroup call, checked: one entry per item, a reply or an error message. */
export function parseGroupReply(raw: unknown, items: number): Array<{ reply: unknown } | { error: string }> {
  if (!Array.isArray(raw) || raw.length !== items) {
    throw new BalanceError(BalanceErrorCode.ENGINE_FAILURE, `chargeGroup: ${items} answers expected, got ${JSON.stringify(raw)}`);
  }
  return raw.map((entry: unknown) => {
    if (Array.isArray(entry) && entry.length === 2 && entry[0] === -1 && typeof entry[1] === 'string') return { error: entry[1] };
    return { reply: entry };
  });
}

export class ChargeCoalescer {
  private pending = new Map<string, Item[]>();
  private scheduled = false;

  constructor(private readonly options: ChargeCoalescerOptions) {}

  /** Queues one call for the end of this turn; `tag` is the slot bucket's hash tag of every key. */
  call(script: GroupedScript, tag: string, keys: string[], arg: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let items = this.pending.get(tag);
      if (!items) this.pending.set(tag, (items = []));
      items.push({ script, keys, arg, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const calls: Item[][] = [];
    for (const items of this.pending.values()) {
      for (let i = 0; i < items.length; i += CHARGE_GROUP_ITEMS_MAX) calls.push(items.slice(i, i + CHARGE_GROUP_ITEMS_MAX));
    }
    this.pending = new Map();
    const { redis } = this.options;
    if (calls.length === 1 || isCluster(redis)) {
      for (const c of calls) void this.send(c, undefined);
      return;
    }
    const pipeline = redis.pipeline();
    const sent = calls.map((c) => this.send(c, pipeline));
    // Each call's outcome is read from its own promise (send), not from exec's array.
    pipeline.exec().catch(() => undefined);
    void Promise.all(sent);
  }

  /** One Redis call for `items`, through `pipeline` when given; settles every item, never rejects. */
  private async send(items: Item[], pipeline: ReturnType<RedisClient['pipeline']> | undefined): Promise<void> {
    const single = items.length === 1;
    const script = single ? items[0].script : 'chargeGroup';
    const fn = this.options.library.functions.get(script)!.fn;
    const keys = single ? items[0].keys : items.flatMap((it) => it.keys);
    const args = single ? [items[0].arg] : items.map((it) => GROUPED_SCRIPTS[it.script] + it.arg);
    const direct = () => this.options.redis.fcall(fn, keys.length, ...keys, ...args);
    // A pipeline's command answers through its callback (the command itself returns the pipeline).
    const first = pipeline
      ? new Promise<unknown>((resolve, reject) =>
          pipeline.fcall(fn, keys.length, ...keys, ...args, (err?: Error | null, res?: unknown) => (err ? reject(err) : resolve(res))),
        )
      : direct();
    const stop = this.options.duration?.startTimer({ script });
    let raw: unknown;
    try {
      raw = await withLibrary(first, this.options.loadScripts, direct);
    } catch (err) {
      stop?.();
      if (single) items[0].reject(fromScriptError(script, err));
      else for (const it of items) it.reject(fromScriptError(it.script, err));
      return;
    }
    stop?.();
    if (single) {
      items[0].resolve(raw);
      return;
    }
    let answers: ReturnType<typeof parseGroupReply>;
    try {
      answers = parseGroupReply(raw, items.length);
    } catch (err) {
      for (const it of items) it.reject(err);
      return;
    }
    answers.forEach((a, i) => {
      if ('error' in a) items[i].reject(fromScriptError(items[i].script, new Error(a.error)));
      else items[i].resolve(a.reply);
    });
  }
}

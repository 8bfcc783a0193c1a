/**
 * Redis's own account of where its time went (INFO commandstats), for a Redis this bench started:
 * reset before a measurement, read after, reported per request of the load generator.
 */
import Redis from 'ioredis';

export interface CommandStat {
  calls: number;
  usec: number;
}

/** Parses INFO commandstats (pure). */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const out = new Map<string, CommandStat>();
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

export class RedisStats {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  async reset(): Promise<void> {
    await this.redis.config('RESETSTAT');
  }

  async read(): Promise<Map<string, CommandStat>> {
    return parseCommandStats(await this.redis.info('commandstats'));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** "evalsha 1.00 calls/req x 41.2 µs" lines, largest total time first (pure). */
export function formatPerRequest(stats: Map<string, CommandStat>, requests: number, top = 8): string[] {
  const rows = [...stats.entries()].filter(([, s]) => s.calls > 0).sort((a, b) => b[1].usec - a[1].usec);
  const totalUs = rows.reduce((a, [, s]) => a + s.usec, 0);
  const lines = rows
    .slice(0, top)
    .map(
      ([cmd, s]) =>
        `${cmd} ${(s.calls / requests).toFixed(2)} calls/req x ${(s.usec / s.calls).toFixed(1)} µs = ${(s.usec / requests).toFixed(1)} µs/req`,
    );
  return [`Redis command time ${(totalUs / requests).toFixed(1)} µs per request: ${lines.join('; ')}`];
}

/** The ClickHouse client of the analytics store (HTTP, @clickhouse/client), set up for 18.16 and current servers. */
import { ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { stringifyJson } from './json-each-row';

/** Bound of one HTTP request to ClickHouse (an insert of one batch, a query). */
export const CLICKHOUSE_REQUEST_TIMEOUT_MS = 30_000;
/** Connections one process keeps to ClickHouse. */
export const CLICKHOUSE_CONNECTIONS_MAX = 4;

export interface ClickhouseClientOptions {
  url: string;
  /** Database of unqualified table names (migrations); absent = the server default. */
  database?: string;
  requestTimeoutMs?: number;
}

export function createClickhouseClient(opts: ClickhouseClientOptions): ClickHouseClient {
  return createClient({
    url: opts.url,
    database: opts.database,
    request_timeout: opts.requestTimeoutMs ?? CLICKHOUSE_REQUEST_TIMEOUT_MS,
    max_open_connections: CLICKHOUSE_CONNECTIONS_MAX,
    // Rows carry Int64 money as bigint; see json-each-row.ts.
    json: { parse: JSON.parse, stringify: stringifyJson },
    application: 'ratel',
    // Callers log failures with their own context (pino); the client's console logger would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export type { ClickHouseClient };

/** Readiness check of every process that reads or writes ClickHouse: its /ping (the client reports a failure instead of throwing it). */
export async function clickhouseReady(client: ClickHouseClient): Promise<void> {
  const r = await client.ping();
  if (!r.success) throw r.error;
}

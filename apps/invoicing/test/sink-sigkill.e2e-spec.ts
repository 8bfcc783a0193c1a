/**
 * The sink as its own process (main.ts under ts-node), SIGKILLed at random points while events
 * flow, then restarted: the per-account counts and amounts in ClickHouse equal what was published,
 * exactly. Finally SIGTERM: the process finishes its batch and exits 0 with nothing left unacked.
 */
import { ClickHouseClient, createClickhouseClient, dropClickhouseDatabase } from '@app/analytics';
import { connect, NatsConnection } from 'nats';
import { ensureClickhouse, TestClickhouse } from '@app/devstack';
import { requireEnv, uniqueId } from '@app/devstack';
import { InvoicingChild, startInvoicingProcess } from './invoicing-process';
import { createRatedStream, makeScenario, publishAll, readStored, readTotals, totalsObject, waitFor } from './sink-test-helpers';

jest.setTimeout(180_000);

/** How long a sink child may take to start (ts-node compiles on the fly on a busy machine). */
const CHILD_START_TIMEOUT_MS = 60_000;
const KILLS = 3;

type SinkChild = InvoicingChild;

function startSinkChild(env: Record<string, string>): Promise<SinkChild> {
  return startInvoicingProcess({ env, ready: (out) => out.includes('rated-event sink running'), startTimeoutMs: CHILD_START_TIMEOUT_MS });
}

describe('rated-event sink process under SIGKILL', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  let nc: NatsConnection;
  let current: SinkChild | undefined;
  const db = uniqueId('kill');
  const stream = uniqueId('RATED');

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    nc = await connect({ servers: requireEnv('NATS_URL') });
  });
  afterAll(async () => {
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    await nc?.close();
    await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
    await client?.close();
    await ch?.stop();
  });

  it('ends with exactly the published totals per account', async () => {
    const root = `${stream}.ratel.rated.v1`;
    const jsm = await nc.jetstreamManager();
    await createRatedStream(jsm, stream, root);
    const scenario = makeScenario(root, { distinct: 2500, accounts: 6, duplicates: 200, invalid: 20, seed: 2026 });
    const env = {
      NATS_URL: requireEnv('NATS_URL'),
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: db,
      SINK_STREAM: stream,
      SINK_CONSUMER: 'sink',
      SINK_BATCH_MAX: '50',
      // A killed sink's unacknowledged batch comes back after the ack wait: keep it short here.
      SINK_ACK_WAIT_MS: '5000',
      SINK_INSERT_TIMEOUT_MS: '3000',
      SINK_METRICS_PORT: '0',
      RATEL_INVOICING_ROLES: 'sink',
      RATEL_LOG_LEVEL: 'info',
    };
    // Events keep flowing for ~15 s while sinks are killed and restarted.
    const publishing = publishAll(nc.jetstream(), scenario.messages, 50, 250);
    const killDelaysMs: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      current = await startSinkChild(env);
      const delayMs = 200 + Math.floor(Math.random() * 1500);
      killDelaysMs.push(delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
      current.child.kill('SIGKILL');
      await current.exited;
    }
    current = await startSinkChild(env);
    await publishing;

    // Quiescence: everything delivered and acknowledged (batches a killed sink held come back after the ack wait).
    await waitFor(
      'the consumer to drain',
      () => jsm.consumers.info(stream, 'sink'),
      (i) => i.num_pending === 0 && i.num_ack_pending === 0,
      60_000,
    );
    const stored = await readStored(client, db);
    expect({ distinctEvents: stored.distinctEvents, deadLetters: stored.deadLetters }).toEqual({
      distinctEvents: scenario.distinctEvents,
      deadLetters: scenario.invalid,
    });
    const totals = await readTotals(client, db, [...scenario.expected.keys()]);
    expect({ killDelaysMs, totals: totalsObject(totals) }).toEqual({ killDelaysMs, totals: totalsObject(scenario.expected) });
    process.stdout.write(
      `sigkill e2e: kills after ${killDelaysMs.join(', ')} ms; ${stored.rows} rows stored for ${stored.distinctEvents} distinct events\n`,
    );

    current.child.kill('SIGTERM');
    const code = await current.exited;
    expect({ code, output: code === 0 ? '' : current.output() }).toEqual({ code: 0, output: '' });
  });
});

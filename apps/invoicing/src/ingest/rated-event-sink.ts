/**
 * The rated-event sink: fetch a batch from the durable pull consumer, decode and validate it,
 * insert events and dead letters into ClickHouse, and only then acknowledge the batch.
 *
 * Delivery is at least once: a crash after the insert and before the acks redelivers the batch,
 * and its rows are stored again. That is by design: readers collapse rows by event id
 * (libs/analytics README, "Exactly-once effect"). What the sink guarantees is the other half:
 * nothing is acknowledged before ClickHouse holds it, and no message is skipped.
 *
 * A batch ClickHouse refuses for a data error (clickhouse-refusal.ts) is split in halves until the
 * rows at fault are found; those become dead letters (CLICKHOUSE_REFUSED, with ClickHouse's message),
 * counted and alerted on, and the rest is stored, so one bad event never stops the stream. When every
 * row of a batch of two or more is refused, the cause is the table, not the rows (a schema change): the
 * batch is held and retried like any other failure, and nothing is dead-lettered.
 */
import type { DeadLetterRow, RatedEventRow, RatedEventStore } from '@app/analytics';
import type { Clock, Logger } from '@app/observability';
import { Waker } from '@app/runtime';
import type { JsMsg } from 'nats';
import { sinkBackoffDelayMs } from './backoff';
import { dataRefusalCode } from './clickhouse-refusal';
import { deadLetter, decodeBatch, DecodedBatch, InboundMessage } from './decode-batch';
import { JetStreamSource, toInbound } from './jetstream-source';
import { IN_PROGRESS_ACKS_PER_ACK_WAIT } from './sink-limits';
import { SinkMetrics } from './sink-metrics';

export interface SinkSettings {
  stream: string;
  batchMax: number;
  fetchWaitMs: number;
  ackWaitMs: number;
  shutdownGraceMs: number;
}

export interface SinkDeps {
  source: JetStreamSource;
  store: RatedEventStore;
  metrics: SinkMetrics;
  logger: Logger;
  clock: Clock;
}

export class RatedEventSink {
  private stopping = false;
  private stopDeadlineMs = Infinity;
  /** Cuts the sleep in progress short on stop(). */
  private readonly waker = new Waker();

  constructor(
    private readonly deps: SinkDeps,
    private readonly settings: SinkSettings,
  ) {}

  /** Asks the loop to finish the batch in hand and return; retries of that batch end after the grace period. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopDeadlineMs = this.deps.clock.nowMs() + this.settings.shutdownGraceMs;
    this.waker.wake();
  }

  /** Runs until stop(). */
  async run(): Promise<void> {
    let fetchFailures = 0;
    while (!this.stopping) {
      let msgs: JsMsg[];
      try {
        msgs = await this.deps.source.fetch(this.settings.batchMax, this.settings.fetchWaitMs);
        fetchFailures = 0;
      } catch (err) {
        fetchFailures++;
        this.deps.source.reset();
        this.deps.logger.warn({ err: String(err), attempt: fetchFailures }, 'fetch from JetStream failed; backing off');
        await this.sleep(sinkBackoffDelayMs(fetchFailures));
        continue;
      }
      if (msgs.length > 0) await this.handleBatch(msgs);
    }
  }

  private async handleBatch(msgs: JsMsg[]): Promise<void> {
    const { metrics } = this.deps;
    metrics.batchSize.observe(msgs.length);
    const inbound = msgs.map(toInbound);
    const batch = decodeBatch(this.settings.stream, inbound, this.deps.clock.nowMs());
    const stored = await this.storeWithRetry(batch, msgs, inbound);
    if (!stored) {
      // Shutting down while ClickHouse still refuses: hand the batch back for immediate redelivery.
      for (const m of msgs) m.nak();
      await this.deps.source.flush().catch(() => undefined);
      this.deps.logger.warn({ messages: msgs.length }, 'shutdown grace over before ClickHouse accepted the batch; handed it back');
      return;
    }
    for (const m of msgs) m.ack();
    await this.deps.source
      .flush()
      .catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, 'flushing acks failed; the batch will be redelivered'));
    metrics.messagesAcked.inc(msgs.length);
    metrics.eventsInserted.inc(batch.rows.length);
    metrics.duplicatesInBatch.inc(batch.duplicatesInBatch);
    for (const dl of batch.deadLetters) metrics.deadLetters.inc({ reason_code: dl.reasonCode });
    if (batch.deadLetters.length > 0) {
      this.deps.logger.warn(
        { deadLetters: batch.deadLetters.map((d) => ({ seq: String(d.streamSeq), code: d.reasonCode, reason: d.reason.slice(0, 200) })) },
        'dead-lettered messages',
      );
    }
  }

  /**
   * Inserts dead letters then events, retrying with capped back-off; false only when the shutdown
   * grace ran out. Rows ClickHouse refuses for good join the batch's dead letters (see the header).
   */
  private async storeWithRetry(batch: DecodedBatch, msgs: JsMsg[], inbound: readonly InboundMessage[]): Promise<boolean> {
    const { store, metrics, logger, clock } = this.deps;
    let deadLettersStored = batch.deadLetters.length === 0;
    for (let attempt = 1; ; attempt++) {
      const started = clock.nowMs();
      try {
        if (!deadLettersStored) await store.insertDeadLetters(batch.deadLetters);
        deadLettersStored = true;
        const refused = await this.insertIsolating(batch.rows, inbound);
        if (refused.length > 0) {
          await store.insertDeadLetters(refused);
          batch.deadLetters.push(...refused);
        }
        metrics.insertSeconds.observe((clock.nowMs() - started) / 1000);
        metrics.clickhouseUp.set(1);
        return true;
      } catch (err) {
        metrics.insertFailures.inc();
        metrics.clickhouseUp.set(0);
        if (this.stopping && clock.nowMs() >= this.stopDeadlineMs) return false;
        const delayMs = sinkBackoffDelayMs(attempt);
        logger.warn(
          { err: String(err), attempt, delayMs, messages: msgs.length },
          'ClickHouse insert failed; holding the batch and backing off',
        );
        await this.holdFor(msgs, Math.min(delayMs, Math.max(0, this.stopDeadlineMs - clock.nowMs())));
      }
    }
  }

  /**
   * Inserts the rows; on a data refusal, splits them in halves until the refused rows are single,
   * and returns those as dead letters. Throws every other error, and a refusal of all of two or more
   * rows (the table refuses them, not their data).
   */
  private async insertIsolating(rows: readonly RatedEventRow[], inbound: readonly InboundMessage[]): Promise<DeadLetterRow[]> {
    const refused = await this.isolate(rows, inbound);
    if (rows.length > 1 && refused.length === rows.length) {
      throw new Error(`ClickHouse refused every row of the batch (${refused[0].reason}); holding it rather than dead-lettering it`);
    }
    return refused;
  }

  private async isolate(rows: readonly RatedEventRow[], inbound: readonly InboundMessage[]): Promise<DeadLetterRow[]> {
    if (rows.length === 0) return [];
    try {
      await this.deps.store.insertRatedEvents(rows);
      return [];
    } catch (err) {
      const code = dataRefusalCode(err);
      if (code === undefined) throw err;
      if (rows.length === 1) {
        const m = inbound.find((i) => BigInt(i.streamSeq) === rows[0].streamSeq)!;
        const reason = `ClickHouse error ${code}: ${(err as Error).message}`;
        return [deadLetter(this.settings.stream, m, 'CLICKHOUSE_REFUSED', reason, this.deps.clock.nowMs())];
      }
      const mid = rows.length >> 1;
      return [...(await this.isolate(rows.slice(0, mid), inbound)), ...(await this.isolate(rows.slice(mid), inbound))];
    }
  }

  /**
   * Waits `ms` while keeping the held batch from redelivery: an in-progress ack after every slice
   * of a third of the ack wait, the last one just before the next attempt. An attempt itself is
   * bounded by the insert timeout, which config.ts keeps below the ack wait.
   */
  private async holdFor(msgs: JsMsg[], ms: number): Promise<void> {
    const sliceMs = Math.max(1, Math.floor(this.settings.ackWaitMs / IN_PROGRESS_ACKS_PER_ACK_WAIT));
    const until = this.deps.clock.nowMs() + ms;
    // stop() may move the end closer: the shutdown deadline bounds every wait.
    for (let left = ms; left > 0; left = Math.min(until, this.stopDeadlineMs) - this.deps.clock.nowMs()) {
      await this.sleep(Math.min(left, sliceMs));
      for (const m of msgs) m.working();
    }
  }

  /** A sleep that stop() cuts short (the loop then re-checks its deadline). */
  private sleep(ms: number): Promise<void> {
    return this.waker.sleep(ms);
  }

  /** Reads the consumer's pending count and oldest pending age into the metrics. */
  async pollLag(): Promise<void> {
    const lag = await this.deps.source.lag(this.deps.clock.nowMs());
    this.deps.metrics.pendingMessages.set(lag.pending);
    this.deps.metrics.ackPendingMessages.set(lag.ackPending);
    this.deps.metrics.oldestPendingAgeSeconds.set(lag.oldestAgeMs / 1000);
  }
}

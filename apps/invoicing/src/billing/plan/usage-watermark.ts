/**
 * The usage watermark of an invoice run: the position on the rated stream up to which every event
 * is in ClickHouse. The ClickHouse sink acknowledges a message only after its batch is inserted (or
 * dead-lettered), so the sink consumer's ack floor (the highest stream sequence at and below which
 * every message is acknowledged) is exactly that position. PLAN reads it once and the run keeps it
 * (billing_run.usage_watermark_seq): the run bills the events at or below it, and the next run
 * bills, as late usage, those of earlier periods that land above it (libs/analytics
 * invoice-usage-query).
 */
import type { JetStreamManager } from 'nats';
import { RunError, RunErrorCode } from '../run/run-error';

export interface UsageWatermarkSource {
  /** The stream position up to which the sink has stored every event. */
  read(): Promise<bigint>;
}

export class SinkAckFloorWatermark implements UsageWatermarkSource {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly consumer: string,
  ) {}

  async read(): Promise<bigint> {
    const info = await this.jsm.consumers.info(this.stream, this.consumer).catch((err: unknown) => {
      throw new RunError(
        RunErrorCode.USAGE_NOT_READY,
        `cannot read the sink consumer ${this.consumer} on ${this.stream}: ${err instanceof Error ? err.message : String(err)}`,
        'SINK_CONSUMER',
      );
    });
    return BigInt(info.ack_floor.stream_seq);
  }
}

/**
 * Releases reservations whose validity + grace has passed (invariant 4: reservations end). Every
 * EXPIRY_SWEEP_INTERVAL_MS it asks the engine to expire at most EXPIRY_SWEEP_BATCH_MAX due
 * reservations across the 256 bucket indexes, again while batches come back full (at most
 * EXPIRY_SWEEP_ROUNDS_MAX times a tick). Several instances may run: each release is one atomic
 * script that checks the reservation is still due, so a reservation is released once.
 */
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, LOGGER, METRICS_REGISTRY, type Clock, type Logger } from '@app/observability';
import type { Counter, Registry } from 'prom-client';
import { PeriodicTask } from '@app/runtime';
import { BALANCE_ENGINE, type BalanceEngine } from './balance-engine.port';
import { reservationsExpiredCounter, sweepFailuresCounter } from './balance-metrics';

export const EXPIRY_SWEEP_INTERVAL_MS = 1_000;
/** Most reservations released by one expireDue call. */
export const EXPIRY_SWEEP_BATCH_MAX = 500;
/** Most expireDue calls in one tick while batches come back full (catch-up after a pause). */
export const EXPIRY_SWEEP_ROUNDS_MAX = 20;

export const EXPIRY_SWEEPER_OPTIONS = Symbol('EXPIRY_SWEEPER_OPTIONS');

export interface ExpirySweeperOptions {
  enabled: boolean;
  intervalMs: number;
  batchMax: number;
}

@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly expired: Counter;
  private readonly failures: Counter;
  private readonly task: PeriodicTask;
  private stopping = false;

  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EXPIRY_SWEEPER_OPTIONS) private readonly options: ExpirySweeperOptions,
  ) {
    this.expired = reservationsExpiredCounter(registry);
    this.failures = sweepFailuresCounter(registry);
    this.task = new PeriodicTask(options.intervalMs, () => this.tick());
  }

  onApplicationBootstrap(): void {
    if (this.options.enabled) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  get isRunning(): boolean {
    return this.task.isRunning;
  }

  start(): void {
    this.stopping = false;
    this.task.start();
  }

  /** Stops the timer and waits for a sweep in progress to finish its current call. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
  }

  /** One tick's work: returns how many reservations were released. */
  async sweepOnce(): Promise<number> {
    let total = 0;
    for (let round = 0; round < EXPIRY_SWEEP_ROUNDS_MAX; round++) {
      const released = await this.engine.expireDue(this.clock.nowMs(), this.options.batchMax);
      total += released;
      this.expired.inc(released);
      if (released < this.options.batchMax || this.stopping) break;
    }
    return total;
  }

  private async tick(): Promise<void> {
    try {
      const released = await this.sweepOnce();
      if (released > 0) this.logger.debug({ released }, 'expired reservations released');
    } catch (err) {
      this.failures.inc();
      this.logger.error({ err }, 'expiry sweep failed; retrying next tick');
    }
  }
}

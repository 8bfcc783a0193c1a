/**
 * Batches of payments applied in the order given (a statement file's order), two at a time in two
 * halves: batch k+1 is prepared (looked up, its documents locked and read, matched and allocated:
 * PaymentApplier.prepareMany) on a connection of its own while batch k writes its rows and commits. The
 * parse, the matching and the building of rows in node overlap PostgreSQL's writes, instead of each
 * waiting for the other.
 *
 * File order holds:
 * - a batch is prepared only once the one before it holds its locks (its prepare returned) and every
 *   batch before that one committed, and commits only after the one before it committed: at most one
 *   batch waits prepared behind the one committing;
 * - a document both batches pay is locked by the earlier one, so the later one waits in its lock until
 *   that commit and reads the document as it left it (PostgreSQL re-reads a row it waited for under
 *   READ COMMITTED, and drops it when the commit made it unpayable);
 * - a payment both batches carry (an entry twice in a file) is not seen by the later batch's look-up
 *   before the earlier commit: its insert then meets the key, the batch rolls back (PaymentRaced) and is
 *   applied again, and its look-up finds the payment.
 *
 * When a batch must be applied again, the batch prepared behind it may hold locks it needs, and may have
 * read documents the rolled-back attempt had not paid yet: that one is rolled back first, and prepared
 * again once the retry committed, before any later batch is prepared. The after-payment hook (dunning) runs for each
 * batch once it committed, on a queue of its own: the next batch's commit never waits for it, and it
 * never waits for a lock held by a batch that waits for it.
 */
import { type ApplyOptions, type ApplyOutcome, PaymentApplier, PaymentRaced, type PreparedBatch } from './apply-payment';
import type { ReceivedPayment } from '../payments/statements/statement-types';

interface Slot {
  payments: readonly ReceivedPayment[];
  options: ApplyOptions;
  /** Resolves once prepared; undefined when the prepare failed (the failure is recorded). Replaced when the batch is prepared again. */
  prepared: Promise<PreparedBatch | undefined>;
}

export class ApplyPipeline {
  /** The commit of the last batch pushed, chained after every commit before it. */
  private committing: Promise<void> = Promise.resolve();
  /** The commits before the last batch pushed: the next batch is prepared once they are done, so at most one batch waits prepared. */
  private committedBeforeLast: Promise<void> = Promise.resolve();
  private hooks: Promise<void> = Promise.resolve();
  /** Open while a batch is applied again: no batch is prepared meanwhile (it could take a lock the retry needs, then wait for it). */
  private gate: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** The batch prepared (or being prepared) behind the one committing. */
  private ahead: Slot | undefined;

  constructor(
    private readonly applier: PaymentApplier,
    private readonly options: () => ApplyOptions,
    private readonly onApplied: (outcomes: readonly ApplyOutcome[]) => void,
  ) {}

  /**
   * Prepares the batch (while the batch before it commits) and queues its commit. Resolves once it is
   * prepared, so the caller reads the next batch meanwhile; throws the failure of an earlier batch.
   */
  async push(payments: readonly ReceivedPayment[]): Promise<void> {
    if (payments.length === 0) return;
    await this.committedBeforeLast;
    await this.gate;
    this.throwIfFailed();
    const options = this.options();
    const slot: Slot = { payments, options, prepared: this.prepare(payments, options) };
    this.ahead = slot;
    await slot.prepared;
    this.committedBeforeLast = this.committing;
    this.committing = this.committedBeforeLast.then(() => this.commit(slot));
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for every queued batch and every after-payment hook; throws the first failure. */
  async drain(): Promise<void> {
    await this.committing;
    await this.hooks;
    this.throwIfFailed();
  }

  /** Settles everything in flight and rolls back a batch still prepared; never throws (after a failure elsewhere). */
  async abort(): Promise<void> {
    this.failure ??= { error: new Error('the import was aborted') };
    await this.committing;
    await this.hooks;
  }

  private prepare(payments: readonly ReceivedPayment[], o: ApplyOptions): Promise<PreparedBatch | undefined> {
    return this.applier.prepareMany(payments, o).catch((error: unknown) => {
      this.failure ??= { error };
      return undefined;
    });
  }

  private async commit(slot: Slot): Promise<void> {
    const prepared = await slot.prepared;
    if (this.ahead === slot) this.ahead = undefined;
    if (prepared === undefined) return;
    if (this.failure !== undefined) return prepared.abandon();
    try {
      let outcomes: ApplyOutcome[];
      try {
        outcomes = await prepared.commit();
      } catch (e) {
        if (!(e instanceof PaymentRaced)) throw e;
        outcomes = await this.applyAgain(slot);
      }
      this.onApplied(outcomes);
      this.hooks = this.hooks.then(() => this.applier.afterPayments(outcomes));
    } catch (error) {
      this.failure ??= { error };
    }
  }

  /**
   * The batch applied whole again. The batch prepared behind it first lets its locks go (rolled back), and
   * is prepared again once this one committed, before any other batch is prepared (the gate).
   */
  private async applyAgain(slot: Slot): Promise<ApplyOutcome[]> {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    try {
      const behind = this.ahead;
      const abandoned = behind === undefined ? undefined : await behind.prepared;
      await abandoned?.abandon();
      const outcomes = await this.applier.commitPrepared(
        await this.applier.prepareMany(slot.payments, slot.options),
        slot.payments,
        slot.options,
      );
      if (behind !== undefined && abandoned !== undefined) {
        behind.prepared = this.prepare(behind.payments, behind.options);
        await behind.prepared;
      }
      return outcomes;
    } finally {
      open();
    }
  }
}

/**
 * Batches of payments applied in the order given (a statement file's order), two at a time: each batch
 * is prepared (looked up, its documents locked and read, matched and allocated, its rows built:
 * PaymentApplier.prepareMany) and written on a connection of its own as soon as the batch before it
 * holds its locks, and committed once the batch before it committed. So node's parsing and matching,
 * and the writes of two batches, overlap, instead of each waiting for the other.
 *
 * File order holds:
 * - a batch is prepared only once the one before it holds its locks (its prepare returned) and every
 *   batch before that one committed: two batches are in flight at most;
 * - a document both batches pay is locked by the earlier one, so the later one waits in its lock until
 *   that commit and reads the document as it left it (PostgreSQL re-reads a row it waited for under
 *   READ COMMITTED, and drops it when the commit made it unpayable). Two batches written at once thus
 *   never write the same document;
 * - commits are in file order: a batch written early waits for the commit of the one before it;
 * - a payment both batches carry (an entry twice in a file, across a batch boundary) would not be seen
 *   by the later batch's look-up before the earlier commit, and the later batch's insert could even reach
 *   the key first: the earlier batch would then wait in PostgreSQL for the later one, which waits in node
 *   for the earlier one's commit, and neither would ever go on. So a batch carrying a payment of the batch
 *   still in flight before it is prepared only once that batch committed: its look-up finds the payment;
 * - a payment applied concurrently elsewhere (another import, a webhook) and not committed yet is not seen
 *   by the look-up: the batch's insert waits on the key, meets it, and the batch rolls back (PaymentRaced)
 *   and is applied again, and its look-up finds the payment.
 *
 * When a batch must be applied again, the batch behind it may hold locks the retry needs, and may have
 * read documents the rolled-back attempt had not paid yet: that one is rolled back first (after its
 * write, if one is under way), and prepared and written again once the retry committed, before any later
 * batch is prepared (the gate). A batch that fails stops the pipeline: the batches before it commit, it and
 * the ones after it roll back. The after-payment hook (dunning) runs for each batch once it committed,
 * on a queue of its own: a commit never waits for it, and it never waits for a lock held by a batch that
 * waits for it.
 */
import { type ApplyOptions, type ApplyOutcome, PaymentApplier, PaymentRaced, type PreparedBatch, paymentKeyText } from './apply-payment';
import type { ReceivedPayment } from '../payments/statements/statement-types';

/** One attempt at a batch: its preparation, then its write (begun as soon as it is prepared). */
interface Attempt {
  /** Undefined when the prepare failed (the failure is recorded). */
  prepared: Promise<PreparedBatch | undefined>;
  /** The outcomes written (not committed); 'raced' when the write met a payment applied concurrently (rolled back); undefined after a failure (recorded). */
  written: Promise<ApplyOutcome[] | 'raced' | undefined>;
}

interface Slot {
  /** The batch's place in the order pushed. */
  seq: number;
  payments: readonly ReceivedPayment[];
  options: ApplyOptions;
  /** Replaced when the batch before it is applied again. */
  attempt: Attempt;
}

export class ApplyPipeline {
  /** The commit of the last batch pushed, chained after every commit before it. */
  private committing: Promise<void> = Promise.resolve();
  /** The commits before the last batch pushed: the next batch is prepared once they are done, so two batches are in flight at most. */
  private committedBeforeLast: Promise<void> = Promise.resolve();
  /** Closed while a batch is applied again: no batch is prepared meanwhile (it could take a lock the retry needs). */
  private gateOpen = true;
  private gate: Promise<void> = Promise.resolve();
  /** The after-payment hooks of the batches committed, one batch after the other. */
  private hooks: Promise<void> = Promise.resolve();
  /** The first failure, and the place of the batch that failed: the batches before it still commit. */
  private failure: { error: unknown; seq: number } | undefined;
  private pushed = 0;
  /** The batch in flight behind the one committing. */
  private ahead: Slot | undefined;
  /** The idempotency keys of the last batch pushed (paymentKeyText). */
  private lastKeys: ReadonlySet<string> = new Set();

  constructor(
    private readonly applier: PaymentApplier,
    private readonly options: () => ApplyOptions,
    private readonly onApplied: (outcomes: readonly ApplyOutcome[]) => void,
  ) {}

  /**
   * Prepares the batch and begins its write (while the batch before it is written and committed), and
   * queues its commit. Resolves once it is prepared, so the caller reads the next batch meanwhile; throws
   * the failure of an earlier batch.
   */
  async push(payments: readonly ReceivedPayment[]): Promise<void> {
    if (payments.length === 0) return;
    await this.committedBeforeLast;
    const keys = new Set(payments.map(paymentKeyText));
    // A payment the batch before it carries too: prepared once that batch committed (see the file's comment).
    if (shareAny(keys, this.lastKeys)) await this.committing;
    this.lastKeys = keys;
    // Checked again after each wait: the gate may have closed between its opening and this continuation.
    while (!this.gateOpen) await this.gate;
    this.throwIfFailed();
    const options = this.options();
    const seq = this.pushed++;
    const slot: Slot = { seq, payments, options, attempt: this.attempt(seq, payments, options) };
    this.ahead = slot;
    await slot.attempt.prepared;
    this.committedBeforeLast = this.committing;
    this.committing = this.committedBeforeLast.then(() => this.commit(slot));
    this.throwIfFailed();
  }

  /** Waits for every queued batch and every after-payment hook; throws the first failure. */
  async drain(): Promise<void> {
    await this.committing;
    await this.hooks;
    this.throwIfFailed();
  }

  /**
   * Settles everything in flight and never throws (after a failure elsewhere): what is not committed yet is
   * rolled back, but for the batches before one that already failed, which commit.
   */
  async abort(): Promise<void> {
    this.failure ??= { error: new Error('the import was aborted'), seq: -1 };
    await this.committing;
    await this.hooks;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  private fail(error: unknown, seq: number): undefined {
    if (this.failure === undefined || seq < this.failure.seq) this.failure = { error, seq };
    return undefined;
  }

  private attempt(seq: number, payments: readonly ReceivedPayment[], o: ApplyOptions): Attempt {
    const prepared = this.applier.prepareMany(payments, o).catch((e: unknown) => this.fail(e, seq));
    const written = prepared.then((p) =>
      p === undefined ? undefined : p.write().catch((e: unknown) => (e instanceof PaymentRaced ? ('raced' as const) : this.fail(e, seq))),
    );
    return { prepared, written };
  }

  private async commit(slot: Slot): Promise<void> {
    const { prepared, written } = slot.attempt;
    if (this.ahead === slot) this.ahead = undefined;
    const p = await prepared;
    const w = await written;
    if (p === undefined || w === undefined) return; // failed: rolled back, recorded
    if (this.failure !== undefined && this.failure.seq < slot.seq) return p.abandon(); // a batch before it failed
    try {
      let outcomes: ApplyOutcome[];
      if (w === 'raced') outcomes = await this.applyAgain(slot);
      else {
        await p.commit();
        outcomes = w;
      }
      this.onApplied(outcomes);
      this.hooks = this.hooks.then(() => this.applier.afterPayments(outcomes));
    } catch (error) {
      this.fail(error, slot.seq);
    }
  }

  /**
   * The batch applied whole again. The batch behind it first lets its locks go (rolled back once its write
   * settled), and is prepared and written again once this one committed, before any other batch is
   * prepared (the gate).
   */
  private async applyAgain(slot: Slot): Promise<ApplyOutcome[]> {
    let open!: () => void;
    this.gateOpen = false;
    this.gate = new Promise((resolve) => (open = resolve));
    try {
      const behind = this.ahead;
      let rolledBack = false;
      if (behind !== undefined) {
        const p = await behind.attempt.prepared;
        await behind.attempt.written;
        await p?.abandon();
        rolledBack = p !== undefined;
      }
      const outcomes = await this.applier.commitPrepared(
        await this.applier.prepareMany(slot.payments, slot.options, true),
        slot.payments,
        slot.options,
      );
      if (behind !== undefined && rolledBack) {
        behind.attempt = this.attempt(behind.seq, behind.payments, behind.options);
        await behind.attempt.prepared;
      }
      return outcomes;
    } finally {
      this.gateOpen = true;
      open();
    }
  }
}

function shareAny(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const k of a) if (b.has(k)) return true;
  return false;
}

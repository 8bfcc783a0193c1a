/**
 * Takes a card payment: of an open document (purpose INVOICE) or a prepaid top-up (TOP_UP). The
 * local row is written FIRST (PENDING, its id derived from the caller's Idempotency-Key), then the
 * gateway is called with that id as its idempotency key (SyncCardPayment). A document has at most
 * one card payment in flight (unique partial index): a second one is CONFLICT until the first settles.
 * The same key again returns the same payment (brought up to date); with another request, CONFLICT.
 */
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { type CardPaymentRow, cardPaymentIdOf, type CardPurpose, type NewCardPayment } from './card-payment-store';
import type { CardTokens } from './card-tokens';
import type { CardDeps, SyncCardPayment } from './sync-card-payment.usecase';

/** Idempotency-Key of a card payment request: printable, no spaces. */
export const CARD_IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,120}$/;
const ID = /^[A-Za-z0-9_.|-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** Largest card payment, in minor units (a guard against a typo, not a business limit). */
export const CARD_AMOUNT_MAX_MINOR = 100_000_000n;

export class StartCardPaymentCommand {
  private constructor(
    readonly purpose: CardPurpose,
    /** The document (INVOICE) or the prepaid account (TOP_UP). */
    readonly targetId: string,
    readonly amountMinor: bigint | undefined,
    readonly cardToken: string | undefined,
    readonly idempotencyKey: string,
    readonly requestedBy: string,
  ) {}

  static create(purpose: CardPurpose, body: unknown, idempotencyKey: string | undefined, requestedBy: string): StartCardPaymentCommand {
    if (idempotencyKey === undefined || !CARD_IDEMPOTENCY_KEY.test(idempotencyKey))
      throw CollectionsError.invalid('Idempotency-Key', `required header, must match ${CARD_IDEMPOTENCY_KEY.source}`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw CollectionsError.invalid('body', 'a JSON object');
    const b = body as Record<string, unknown>;
    const target = purpose === 'INVOICE' ? 'documentId' : 'accountId';
    for (const k of Object.keys(b))
      if (![target, 'amountMinor', 'cardToken'].includes(k))
        throw CollectionsError.invalid(k.slice(0, 64), `unknown field; send ${target}, amountMinor, cardToken`);
    if (typeof b[target] !== 'string' || !ID.test(b[target] as string)) throw CollectionsError.invalid(target, `must match ${ID.source}`);
    if (b.amountMinor === undefined && purpose === 'TOP_UP') throw CollectionsError.invalid('amountMinor', 'required for a top-up');
    if (b.amountMinor !== undefined && (typeof b.amountMinor !== 'string' || !/^[1-9][0-9]{0,17}$/.test(b.amountMinor)))
      throw CollectionsError.invalid('amountMinor', 'a positive integer of minor units, as a decimal string');
    const amount = b.amountMinor === undefined ? undefined : BigInt(b.amountMinor as string);
    if (amount !== undefined && amount > CARD_AMOUNT_MAX_MINOR)
      throw CollectionsError.invalid('amountMinor', `at most ${CARD_AMOUNT_MAX_MINOR}`);
    if (b.cardToken !== undefined && (typeof b.cardToken !== 'string' || !TOKEN.test(b.cardToken) || /^[0-9]+$/.test(b.cardToken)))
      throw CollectionsError.invalid('cardToken', 'the gateway token of a card (never its number)');
    return new StartCardPaymentCommand(
      purpose,
      b[target] as string,
      amount,
      b.cardToken as string | undefined,
      idempotencyKey,
      requestedBy,
    );
  }
}

export class StartCardPayment {
  constructor(
    private readonly d: CardDeps,
    private readonly tokens: CardTokens,
    private readonly sync: SyncCardPayment,
  ) {}

  async execute(cmd: StartCardPaymentCommand): Promise<{ row: CardPaymentRow; replayed: boolean }> {
    if (this.d.gateway === undefined)
      throw new CollectionsError(CollectionsErrorCode.UNAVAILABLE, 'card gateway not configured (CARD_GATEWAY_URL)');
    if (cmd.purpose === 'TOP_UP' && this.d.topUps === undefined)
      throw new CollectionsError(CollectionsErrorCode.UNAVAILABLE, 'charging API not configured (CHARGING_API_URL): no card top-ups');
    const id = cardPaymentIdOf(`${cmd.purpose}|${cmd.idempotencyKey}`);
    const existing = await this.d.store.get(id);
    const payment = existing === undefined ? await this.newPayment(id, cmd) : undefined;
    const result =
      payment === undefined
        ? { inserted: false as const, row: existing! }
        : await this.d.store.insert(payment, new Date(this.d.clock.nowMs()));
    if ('inFlight' in result)
      throw CollectionsError.conflict(
        `document ${cmd.targetId} already has a card payment in flight (${result.inFlight}); wait until it settles`,
        {
          inFlightPaymentId: result.inFlight,
        },
      );
    assertSameRequest(result.row, cmd);
    const row = (await this.sync.execute(id)) ?? result.row;
    return { row, replayed: !result.inserted };
  }

  private async newPayment(id: string, cmd: StartCardPaymentCommand): Promise<NewCardPayment> {
    const t = cmd.purpose === 'INVOICE' ? await this.document(cmd) : await this.prepaidAccount(cmd);
    const token = cmd.cardToken ?? (await this.tokens.get(t.accountId))?.gatewayToken;
    if (token === undefined) throw CollectionsError.invalid('cardToken', `account ${t.accountId} has no saved card; send cardToken`);
    return { id, purpose: cmd.purpose, ...t, gatewayToken: token, autopayAttempt: null, requestedBy: cmd.requestedBy };
  }

  private async document(cmd: StartCardPaymentCommand) {
    const { rows } = await this.d.pool.query<{ account_id: string; currency: string; status: string; type: string; open_minor: string }>(
      `select account_id, currency, status, type, (gross_minor - paid_minor)::text as open_minor from billing_document where id = $1`,
      [cmd.targetId],
    );
    const doc = rows[0];
    if (doc === undefined) throw CollectionsError.notFound(`document ${cmd.targetId}`);
    const open = BigInt(doc.open_minor);
    if (!['ISSUED', 'PARTIALLY_PAID'].includes(doc.status) || doc.type === 'CREDIT_NOTE' || open <= 0n)
      throw CollectionsError.invalid('documentId', `document ${cmd.targetId} is not open for payment (${doc.type} ${doc.status})`);
    const amount = cmd.amountMinor ?? open;
    if (amount > open) throw CollectionsError.invalid('amountMinor', `more than the document's open amount ${open}`);
    return { accountId: doc.account_id, documentId: cmd.targetId, currency: doc.currency, amountMinor: amount };
  }

  private async prepaidAccount(cmd: StartCardPaymentCommand) {
    const { rows } = await this.d.pool.query<{ type: string; currency: string; status: string }>(
      `select type, currency, status from billing_account where id = $1`,
      [cmd.targetId],
    );
    const a = rows[0];
    if (a === undefined) throw CollectionsError.notFound(`account ${cmd.targetId}`);
    if (a.type !== 'PREPAID' || a.status === 'CLOSED')
      throw CollectionsError.invalid('accountId', `account ${cmd.targetId} is not an open prepaid account`);
    return { accountId: cmd.targetId, documentId: null, currency: a.currency, amountMinor: cmd.amountMinor! };
  }
}

function assertSameRequest(row: CardPaymentRow, cmd: StartCardPaymentCommand): void {
  const target = cmd.purpose === 'INVOICE' ? row.document_id : row.account_id;
  const same = target === cmd.targetId && (cmd.amountMinor === undefined || BigInt(row.amount_minor) === cmd.amountMinor);
  if (!same)
    throw CollectionsError.conflict(`Idempotency-Key ${cmd.idempotencyKey} was used for another card payment (${row.id})`, {
      cardPaymentId: row.id,
    });
}

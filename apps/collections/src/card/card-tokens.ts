/**
 * Saved cards: per account, the gateway's token of the card and its last four digits, nothing else.
 * A card number (PAN) is never accepted: a token or a field that looks like one is refused before
 * anything is stored (and the table's check refuses a token of digits only).
 */
import type { Pool } from 'pg';
import { CollectionsError } from '../payments/collections-error';

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** A value of 12 to 19 digits (spaces or dashes between) could be a card number: refused, never stored. */
const PAN_LIKE = /^(?:[0-9][ -]?){11,18}[0-9]$/;
const BRAND = /^[a-z_]{1,32}$/;

export class SaveCardTokenCommand {
  private constructor(
    readonly accountId: string,
    readonly gatewayToken: string,
    readonly last4: string,
    readonly brand: string | null,
  ) {}

  static create(accountId: string, body: unknown): SaveCardTokenCommand {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw CollectionsError.invalid('body', 'a JSON object');
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b))
      if (!['gatewayToken', 'last4', 'brand'].includes(k))
        throw CollectionsError.invalid(k.slice(0, 64), 'unknown field; send gatewayToken, last4, brand');
    for (const [k, v] of Object.entries(b))
      if (typeof v === 'string' && PAN_LIKE.test(v))
        throw CollectionsError.invalid(k, 'looks like a card number; send the gateway token of the card, never its number');
    if (typeof b.gatewayToken !== 'string' || !TOKEN.test(b.gatewayToken))
      throw CollectionsError.invalid('gatewayToken', `must match ${TOKEN.source}`);
    if (typeof b.last4 !== 'string' || !/^[0-9]{4}$/.test(b.last4)) throw CollectionsError.invalid('last4', 'four digits');
    if (b.brand !== undefined && (typeof b.brand !== 'string' || !BRAND.test(b.brand)))
      throw CollectionsError.invalid('brand', `must match ${BRAND.source}`);
    return new SaveCardTokenCommand(accountId, b.gatewayToken, b.last4, (b.brand as string | undefined) ?? null);
  }
}

export interface SavedCard {
  accountId: string;
  gatewayToken: string;
  last4: string;
  brand: string | null;
  updatedAt: string;
}

export class CardTokens {
  constructor(private readonly pool: Pool) {}

  async save(cmd: SaveCardTokenCommand, now: Date): Promise<SavedCard> {
    const exists = await this.pool.query(`select 1 from billing_account where id = $1`, [cmd.accountId]);
    if (exists.rowCount === 0) throw CollectionsError.notFound(`account ${cmd.accountId}`);
    await this.pool.query(
      `insert into card_token (account_id, gateway_token, last4, brand, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)
       on conflict (account_id) do update set gateway_token = excluded.gateway_token, last4 = excluded.last4, brand = excluded.brand, updated_at = excluded.updated_at`,
      [cmd.accountId, cmd.gatewayToken, cmd.last4, cmd.brand, now],
    );
    return (await this.get(cmd.accountId))!;
  }

  async get(accountId: string): Promise<SavedCard | undefined> {
    const { rows } = await this.pool.query<{
      account_id: string;
      gateway_token: string;
      last4: string;
      brand: string | null;
      updated_at: Date;
    }>(`select * from card_token where account_id = $1`, [accountId]);
    const r = rows[0];
    return r === undefined
      ? undefined
      : { accountId: r.account_id, gatewayToken: r.gateway_token, last4: r.last4, brand: r.brand, updatedAt: r.updated_at.toISOString() };
  }

  async remove(accountId: string): Promise<boolean> {
    return ((await this.pool.query(`delete from card_token where account_id = $1`, [accountId])).rowCount ?? 0) > 0;
  }
}

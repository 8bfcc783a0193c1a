/**
 * Card payments through a payment gateway (collections context, SQL-only tables written by
 * apps/collections, src/card/).
 *
 * - `card_payment`: one charge collections asked the gateway for, written BEFORE the gateway is
 *   called (status PENDING); its id is the gateway's Idempotency-Key, so a retry after a timeout or a
 *   crash finds the same intent and never charges twice. At most one PENDING card payment per
 *   document (`card_payment_in_flight`); auto-pay makes one per (document, attempt)
 *   (`card_payment_autopay`). On success the money goes in as a `payment` (channel CARD, bank
 *   reference: the gateway's intent id) through the existing allocation path, and `payment_id` links
 *   it; a prepaid top-up (purpose TOP_UP) is then credited by charging's top-up API (`top_up_status`).
 * - `card_token`: the gateway's token of an account's saved card, with its last four digits only.
 *   A card number (PAN) is never stored: the checks refuse a token of digits only and a last4 of more than four.
 * - `card_webhook_event`: gateway events already processed, by the gateway's event id (duplicates
 *   change nothing).
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "card_token" (
  "account_id" varchar(64) not null primary key references "billing_account" ("id"),
  "gateway_token" varchar(128) not null check ("gateway_token" ~ '^[A-Za-z0-9_-]+$' and "gateway_token" !~ '^[0-9]+$'),
  "last4" char(4) not null check ("last4" ~ '^[0-9]{4}$'),
  "brand" varchar(32) null check ("brand" is null or "brand" ~ '^[a-z_]{1,32}$'),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null
);`,
  `create table "card_payment" (
  "id" varchar(64) not null primary key,
  "purpose" varchar(16) not null check ("purpose" in ('INVOICE', 'TOP_UP')),
  "account_id" varchar(64) not null references "billing_account" ("id"),
  "document_id" varchar(64) null references "billing_document" ("id"),
  "currency" char(3) not null,
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "gateway_token" varchar(128) not null,
  "status" varchar(16) not null check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED')),
  "gateway_intent_id" varchar(128) null unique,
  "failure_code" varchar(64) null,
  "payment_id" varchar(64) null references "payment" ("id"),
  "autopay_attempt" smallint null check ("autopay_attempt" >= 1),
  "top_up_status" varchar(16) null check ("top_up_status" in ('PENDING', 'DONE', 'REFUSED')),
  "top_up_id" varchar(64) null,
  "top_up_error" text null,
  "requested_by" varchar(200) not null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  "settled_at" timestamptz null,
  constraint "card_payment_purpose" check (("purpose" = 'INVOICE' and "document_id" is not null) or ("purpose" = 'TOP_UP' and "document_id" is null)),
  constraint "card_payment_settled" check (("status" = 'PENDING') = ("settled_at" is null)),
  constraint "card_payment_failed" check (("status" = 'FAILED') = ("failure_code" is not null))
);`,
  // At most one payment in flight per document: a second charge waits until the first has settled.
  `create unique index "card_payment_in_flight" on "card_payment" ("document_id") where "status" = 'PENDING' and "document_id" is not null;`,
  `create unique index "card_payment_autopay" on "card_payment" ("document_id", "autopay_attempt") where "autopay_attempt" is not null;`,
  `create index "card_payment_pending" on "card_payment" ("updated_at") where "status" = 'PENDING' or "top_up_status" = 'PENDING';`,
  `create index "card_payment_account" on "card_payment" ("account_id", "created_at");`,
  `create table "card_webhook_event" (
  "event_id" varchar(128) not null primary key,
  "type" varchar(64) not null,
  "intent_id" varchar(128) null,
  "received_at" timestamptz not null
);`,
];

const DOWN: readonly string[] = [
  'drop table if exists "card_webhook_event";',
  'drop table if exists "card_payment";',
  'drop table if exists "card_token";',
];

export class Migration20261203001400_card_payments extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}

/**
 * Prepaid bundles renew (issue 9, section 1), written by apps/charging (src/renewal):
 *
 * - `charge_allowance` (catalog): the allowances of a product, as templates on its RECURRING
 *   charges. Each paid period of the charge grants one bucket per template (unit, rating groups,
 *   units), valid over that period. Before this table allowances were only ad-hoc grants to an
 *   account (`allowance_grant`); those stay what a renewal writes, one row per granted bucket.
 * - `subscription_renewal` (provisioning): one row per subscription, recurring charge and period,
 *   keyed by `renewal_key` (the balance engine's requestId, so the fee is debited once), with its
 *   state: PENDING (not tried yet), PAID, FAILED (the last attempt could not pay; tried again at
 *   `next_attempt_at`, or never again when it is null: the period is over).
 *
 * Only SQL (no entity): the renewal worker writes both with pg. CHECK constraints end in `_check`.
 */
import { Migration } from '@mikro-orm/migrations';

const ID_CHECK = (column: string): string => `check ("${column}" ~ '^[A-Za-z0-9_-]{1,64}$')`;
/** 2^53 - 1: the largest integer every JSON client and the Lua engine read exactly (AMOUNT_MAX_MICROS). */
const AMOUNT_MAX = '9007199254740991';

const UP: readonly string[] = [
  `create table "charge_allowance" (
  "id" varchar(64) not null ${ID_CHECK('id')},
  "charge_id" varchar(64) not null,
  "unit" text not null check ("unit" in ('SECONDS', 'BYTES', 'EVENTS')),
  "rating_groups" int[] not null default '{}' check (cardinality("rating_groups") <= 16),
  "units" bigint not null check ("units" between 1 and ${AMOUNT_MAX}),
  "created_at" timestamptz not null,
  constraint "charge_allowance_pkey" primary key ("id"),
  constraint "charge_allowance_charge_id_foreign" foreign key ("charge_id") references "product_charge" ("id") on update cascade on delete restrict
);`,
  `create index "charge_allowance_charge_id_index" on "charge_allowance" ("charge_id");`,

  `create table "subscription_renewal" (
  "renewal_key" varchar(64) not null check ("renewal_key" ~ '^rnw-[0-9a-f]{40}$'),
  "subscription_id" varchar(64) not null,
  "account_id" varchar(64) not null,
  "charge_id" varchar(64) not null,
  "period_start" date not null,
  "period_end" date not null check ("period_end" > "period_start"),
  "period_start_at" timestamptz not null,
  "period_end_at" timestamptz not null check ("period_end_at" > "period_start_at"),
  "fee_micros" bigint not null check ("fee_micros" between 0 and ${AMOUNT_MAX}),
  "status" text not null check ("status" in ('PENDING', 'PAID', 'FAILED')),
  "attempts" int not null default 0 check ("attempts" >= 0),
  "next_attempt_at" timestamptz null check ("status" <> 'PAID' or "next_attempt_at" is null),
  "last_result" varchar(200) null,
  "notified_at" timestamptz null,
  "paid_at" timestamptz null check (("status" = 'PAID') = ("paid_at" is not null)),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "subscription_renewal_pkey" primary key ("renewal_key"),
  constraint "subscription_renewal_period_unique" unique ("subscription_id", "charge_id", "period_start"),
  constraint "subscription_renewal_subscription_id_foreign" foreign key ("subscription_id") references "subscription" ("id") on update cascade on delete restrict,
  constraint "subscription_renewal_account_id_foreign" foreign key ("account_id") references "billing_account" ("id") on update cascade on delete restrict,
  constraint "subscription_renewal_charge_id_foreign" foreign key ("charge_id") references "product_charge" ("id") on update cascade on delete restrict
);`,
  `create index "subscription_renewal_due_index" on "subscription_renewal" ("next_attempt_at") where "next_attempt_at" is not null;`,
  `create index "subscription_renewal_account_id_index" on "subscription_renewal" ("account_id");`,
];

export class Migration20261203000900_prepaid_renewals extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "subscription_renewal";');
    this.addSql('drop table if exists "charge_allowance";');
  }
}

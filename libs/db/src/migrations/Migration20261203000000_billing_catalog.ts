/**
 * What billing needs from the catalog and the accounts (issue 9, section 1), written by apps/charging:
 *
 * - `legal_entity` (core): the seller of an account's documents and the prefix of its number series.
 * - `billing_account` (core) gains its billing terms: cycle type code (invoicing's code table, no
 *   foreign key across contexts), payment terms, tax jurisdiction, delivery preferences, legal
 *   entity, minimum commitment in minor units. All nullable: existing accounts have none yet.
 * - `tax_rate` (catalog): rate per jurisdiction and category over [valid_from, valid_to).
 * - `product_charge` (catalog): recurring and one-time fees of a product, in minor units.
 * - `discount` (catalog): percent or fixed, on a charge, a service or the invoice, optionally only
 *   for accounts holding a set of products, over [valid_from, valid_to).
 *
 * - `subscription.status` (provisioning): ACTIVE, SUSPENDED, CANCELLED; only ACTIVE ones are routed.
 * - `subscription_lifecycle_event` (provisioning): activation, suspension, resumption, cancellation
 *   and product changes, dated by instant and by the account's local date; billing reads it.
 *
 * CHECK constraints are column constraints whose names end in `_check`, which the schema spec
 * tolerates because entities cannot express them.
 */
import { Migration } from '@mikro-orm/migrations';

const ID_CHECK = (column: string): string => `check ("${column}" ~ '^[A-Za-z0-9_-]{1,64}$')`;
/** 2^53 - 1: the largest integer every JSON client reads exactly (AMOUNT_MAX_MICROS). */
const AMOUNT_MAX = '9007199254740991';
const JURISDICTION_CHECK = (column: string): string => `check ("${column}" ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$')`;
const TAX_CATEGORY_CHECK = (column: string): string => `check ("${column}" in ('STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE'))`;

const UP: readonly string[] = [
  `create table "legal_entity" (
  "id" varchar(64) not null ${ID_CHECK('id')},
  "name" varchar(200) not null check (length("name") >= 1),
  "address" varchar(500) not null check (length("address") >= 1),
  "vat_id" varchar(15) not null check ("vat_id" ~ '^[A-Z]{2}[A-Z0-9+*]{2,13}$'),
  "iban" varchar(34) not null check ("iban" ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  "number_series_prefix" varchar(16) not null check ("number_series_prefix" ~ '^[A-Z0-9][A-Z0-9-]{0,15}$'),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "legal_entity_pkey" primary key ("id")
);`,
  `alter table "legal_entity" add constraint "legal_entity_number_series_prefix_unique" unique ("number_series_prefix");`,

  `alter table "billing_account"
  add column "billing_cycle_type" varchar(32) null check ("billing_cycle_type" ~ '^[A-Z0-9_]{1,32}$'),
  add column "payment_terms_days" smallint null check ("payment_terms_days" between 0 and 365),
  add column "tax_jurisdiction" varchar(16) null ${JURISDICTION_CHECK('tax_jurisdiction')},
  add column "delivery_email" varchar(254) null,
  add column "delivery_sms_msisdn" varchar(15) null check ("delivery_sms_msisdn" ~ '^[1-9][0-9]{4,14}$'),
  add column "delivery_portal_only" boolean not null default false
    check (not "delivery_portal_only" or ("delivery_email" is null and "delivery_sms_msisdn" is null)),
  add column "legal_entity_id" varchar(64) null,
  add column "minimum_commitment_minor" bigint null check ("minimum_commitment_minor" between 0 and ${AMOUNT_MAX});`,
  `alter table "billing_account" add constraint "billing_account_legal_entity_id_foreign" foreign key ("legal_entity_id") references "legal_entity" ("id") on update cascade on delete restrict;`,
  `create index "billing_account_legal_entity_id_index" on "billing_account" ("legal_entity_id");`,

  `create table "tax_rate" (
  "id" varchar(64) not null ${ID_CHECK('id')},
  "jurisdiction" varchar(16) not null ${JURISDICTION_CHECK('jurisdiction')},
  "category" text not null ${TAX_CATEGORY_CHECK('category')},
  "rate_percent" numeric(7,4) not null check ("rate_percent" between 0 and 100),
  "valid_from" date not null,
  "valid_to" date null check ("valid_to" is null or "valid_to" > "valid_from"),
  "created_at" timestamptz not null,
  constraint "tax_rate_pkey" primary key ("id")
);`,
  `create index "tax_rate_key_index" on "tax_rate" ("jurisdiction", "category", "valid_from");`,

  `create table "product_charge" (
  "id" varchar(64) not null ${ID_CHECK('id')},
  "product_id" varchar(64) not null,
  "name" varchar(200) not null check (length("name") >= 1),
  "kind" text not null check ("kind" in ('RECURRING', 'ACTIVATION', 'TERMINATION', 'INSTALMENT')),
  "period" text null check ("period" in ('MONTHLY', 'QUARTERLY', 'ANNUAL')),
  "billing" text null check ("billing" in ('ADVANCE', 'ARREARS')),
  -- which columns each kind carries (on this column: an enum column's CHECK is the generator's).
  "prorated" boolean null check (
    ("kind" = 'RECURRING' and "period" is not null and "billing" is not null and "prorated" is not null and "instalment_count" is null)
    or ("kind" = 'INSTALMENT' and "period" is null and "billing" is null and "prorated" is null and "instalment_count" is not null)
    or ("kind" in ('ACTIVATION', 'TERMINATION') and "period" is null and "billing" is null and "prorated" is null and "instalment_count" is null)
  ),
  "instalment_count" smallint null check ("instalment_count" between 2 and 120),
  "amount_minor" bigint not null check ("amount_minor" between 0 and ${AMOUNT_MAX}),
  "currency" char(3) not null check ("currency" ~ '^[A-Z]{3}$'),
  "tax_category" text not null ${TAX_CATEGORY_CHECK('tax_category')},
  "created_at" timestamptz not null,
  constraint "product_charge_pkey" primary key ("id"),
  constraint "product_charge_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete restrict
);`,
  `create index "product_charge_product_id_index" on "product_charge" ("product_id");`,

  `create table "discount" (
  "id" varchar(64) not null ${ID_CHECK('id')},
  "name" varchar(200) not null check (length("name") >= 1),
  "kind" text not null check ("kind" in ('PERCENT', 'FIXED')),
  -- which columns each kind carries (on this column: an enum column's CHECK is the generator's).
  "percent" numeric(7,4) null constraint "discount_kind_shape_check" check (
    ("kind" = 'PERCENT' and "percent" > 0 and "percent" <= 100 and "amount_minor" is null and "currency" is null)
    or ("kind" = 'FIXED' and "percent" is null and "amount_minor" is not null and "currency" is not null)
  ),
  "amount_minor" bigint null check ("amount_minor" between 1 and ${AMOUNT_MAX}),
  "currency" char(3) null check ("currency" ~ '^[A-Z]{3}$'),
  "scope" text not null check ("scope" in ('CHARGE', 'SERVICE', 'INVOICE')),
  -- which target each scope names.
  "charge_id" varchar(64) null constraint "discount_scope_target_check" check (
    ("scope" = 'CHARGE' and "charge_id" is not null and "service" is null)
    or ("scope" = 'SERVICE' and "charge_id" is null and "service" is not null)
    or ("scope" = 'INVOICE' and "charge_id" is null and "service" is null)
  ),
  "service" varchar(64) null check ("service" ~ '^[A-Za-z0-9_.-]{1,64}$'),
  "required_product_ids" text[] not null default '{}' check (cardinality("required_product_ids") <= 16),
  "valid_from" date not null,
  "valid_to" date null check ("valid_to" is null or "valid_to" > "valid_from"),
  "created_at" timestamptz not null,
  constraint "discount_pkey" primary key ("id"),
  constraint "discount_charge_id_foreign" foreign key ("charge_id") references "product_charge" ("id") on update cascade on delete restrict
);`,
  `create index "discount_charge_id_index" on "discount" ("charge_id");`,

  `alter table "subscription" add column "status" text not null default 'ACTIVE' check ("status" in ('ACTIVE', 'SUSPENDED', 'CANCELLED'));`,
  `create table "subscription_lifecycle_event" (
  "id" bigserial,
  "subscription_id" varchar(64) not null,
  "account_id" varchar(64) not null,
  "kind" text not null check ("kind" in ('ACTIVATE', 'SUSPEND', 'RESUME', 'CANCEL', 'CHANGE_PRODUCT')),
  "effective_at" timestamptz not null,
  "effective_local_date" date not null,
  "time_zone" varchar(64) not null,
  "from_product_id" varchar(64) null,
  "to_product_id" varchar(64) null,
  "actor" varchar(200) not null,
  constraint "subscription_lifecycle_event_pkey" primary key ("id")
);`,
  `create index "subscription_lifecycle_event_subscription_index" on "subscription_lifecycle_event" ("subscription_id", "effective_at");`,
];

export class Migration20261203000000_billing_catalog extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "subscription_lifecycle_event";');
    this.addSql('alter table "subscription" drop column "status";');
    this.addSql('drop table if exists "discount";');
    this.addSql('drop table if exists "product_charge";');
    this.addSql('drop table if exists "tax_rate";');
    this.addSql('drop index if exists "billing_account_legal_entity_id_index";');
    this.addSql(
      `alter table "billing_account" drop constraint if exists "billing_account_legal_entity_id_foreign",
  drop column "billing_cycle_type", drop column "payment_terms_days", drop column "tax_jurisdiction", drop column "delivery_email",
  drop column "delivery_sms_msisdn", drop column "delivery_portal_only", drop column "legal_entity_id", drop column "minimum_commitment_minor";`,
    );
    this.addSql('drop table if exists "legal_entity";');
  }
}

/**
 * The provisioning schema: catalog, customers, accounts, subscriptions, allowances, top-ups, the
 * ledger and the audit log. Written by hand; `db-schema.integration-spec.ts` checks that the
 * entities and this schema agree. Money is BIGINT micros bounded by 2^53 - 1 (what the Redis
 * balance engine holds exactly).
 */
import { Migration } from '@mikro-orm/migrations';

/** The schema, one statement each, in dependency order. */
const UP: readonly string[] = [
  `create table "customer" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "name" varchar(200) not null,
  "email" varchar(254) null,
  "external_ref" varchar(128) null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "customer_pkey" primary key ("id"),
  constraint "customer_external_ref_unique" unique ("external_ref")
);`,
  `create table "product" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "name" varchar(200) not null,
  "description" varchar(2000) null,
  "created_at" timestamptz not null,
  constraint "product_pkey" primary key ("id")
);`,
  `create table "price_plan" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_.-]{1,64}$'),
  "product_id" varchar(64) not null,
  "name" varchar(200) not null,
  "currency" char(3) not null check ("currency" ~ '^[A-Z]{3}$'),
  "current_version" int not null check ("current_version" >= 1),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "price_plan_pkey" primary key ("id"),
  constraint "price_plan_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete restrict
);`,
  `create index "price_plan_product_id_index" on "price_plan" ("product_id");`,
  `create table "price_plan_version" (
  "plan_id" varchar(64) not null,
  "version" int not null check ("version" >= 1),
  "plan_json" jsonb not null,
  "created_at" timestamptz not null,
  constraint "price_plan_version_pkey" primary key ("plan_id", "version"),
  constraint "price_plan_version_plan_id_foreign" foreign key ("plan_id") references "price_plan" ("id") on update cascade on delete restrict
);`,
  `create table "billing_account" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "customer_id" varchar(64) not null,
  "type" text not null check ("type" in ('PREPAID', 'POSTPAID')),
  "currency" char(3) not null check ("currency" ~ '^[A-Z]{3}$'),
  "time_zone" varchar(64) not null,
  "cycle_day" smallint not null check ("cycle_day" between 1 and 28),
  "thresholds_micros" bigint[] not null default '{}' check (cardinality("thresholds_micros") <= 16),
  "credit_limit_micros" bigint not null default 0 check ("credit_limit_micros" between 0 and 9007199254740991),
  "status" text not null default 'ACTIVE' check ("status" in ('ACTIVE', 'BARRED', 'CLOSED')),
  "plan_id" varchar(64) not null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "billing_account_pkey" primary key ("id"),
  constraint "billing_account_prepaid_no_credit" check ("type" = 'POSTPAID' or "credit_limit_micros" = 0),
  constraint "billing_account_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete restrict,
  constraint "billing_account_plan_id_foreign" foreign key ("plan_id") references "price_plan" ("id") on update cascade on delete restrict
);`,
  `create index "billing_account_customer_id_index" on "billing_account" ("customer_id");`,
  `create index "billing_account_plan_id_index" on "billing_account" ("plan_id");`,
  `create table "subscription" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "msisdn" varchar(15) not null check ("msisdn" ~ '^[1-9][0-9]{4,14}$'),
  "imsi" varchar(15) not null check ("imsi" ~ '^[0-9]{15}$'),
  "account_id" varchar(64) not null,
  "product_id" varchar(64) not null,
  "created_at" timestamptz not null,
  constraint "subscription_pkey" primary key ("id"),
  constraint "subscription_msisdn_unique" unique ("msisdn"),
  constraint "subscription_imsi_unique" unique ("imsi"),
  constraint "subscription_account_id_foreign" foreign key ("account_id") references "billing_account" ("id") on update cascade on delete restrict,
  constraint "subscription_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete restrict
);`,
  `create index "subscription_account_id_index" on "subscription" ("account_id");`,
  `create index "subscription_product_id_index" on "subscription" ("product_id");`,
  `create table "allowance_grant" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "account_id" varchar(64) not null,
  "unit" text not null check ("unit" in ('SECONDS', 'BYTES', 'EVENTS')),
  "rating_groups" int[] not null default '{}' check (cardinality("rating_groups") <= 16),
  "units" bigint not null check ("units" between 1 and 9007199254740991),
  "valid_from" timestamptz not null,
  "expires_at" timestamptz not null,
  "created_at" timestamptz not null,
  constraint "allowance_grant_pkey" primary key ("id"),
  constraint "allowance_grant_window" check ("expires_at" > "valid_from"),
  constraint "allowance_grant_account_id_foreign" foreign key ("account_id") references "billing_account" ("id") on update cascade on delete restrict
);`,
  `create index "allowance_grant_account_id_index" on "allowance_grant" ("account_id");`,
  `create index "allowance_grant_expires_at_index" on "allowance_grant" ("expires_at");`,
  `create table "top_up" (
  "id" varchar(64) not null check ("id" ~ '^[A-Za-z0-9_-]{1,64}$'),
  "account_id" varchar(64) not null,
  "idempotency_key" varchar(128) not null,
  "request_hash" char(64) not null,
  "amount_micros" bigint not null check ("amount_micros" between 1 and 9007199254740991),
  "created_at" timestamptz not null,
  "projected_at" timestamptz null,
  constraint "top_up_pkey" primary key ("id"),
  constraint "top_up_account_id_idempotency_key_unique" unique ("account_id", "idempotency_key"),
  constraint "top_up_account_id_foreign" foreign key ("account_id") references "billing_account" ("id") on update cascade on delete restrict
);`,
  `create table "ledger_entry" (
  "id" bigserial,
  "account_id" varchar(64) not null,
  "kind" text not null check ("kind" in ('INITIAL', 'TOPUP', 'ADJUSTMENT')),
  "amount_micros" bigint not null check ("amount_micros" between -9007199254740991 and 9007199254740991),
  "reference" varchar(200) null,
  "created_at" timestamptz not null,
  constraint "ledger_entry_pkey" primary key ("id"),
  constraint "ledger_entry_account_id_foreign" foreign key ("account_id") references "billing_account" ("id") on update cascade on delete restrict
);`,
  `create index "ledger_entry_account_id_index" on "ledger_entry" ("account_id");`,
  `create table "audit_log" (
  "id" bigserial,
  "actor" varchar(200) not null,
  "action" varchar(64) not null,
  "entity_type" varchar(64) not null,
  "entity_id" varchar(128) not null,
  "details" jsonb not null,
  "created_at" timestamptz not null,
  constraint "audit_log_pkey" primary key ("id")
);`,
  `create index "audit_log_entity_index" on "audit_log" ("entity_type", "entity_id");`,
];

export class Migration20260101000000_initial extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const table of [
      'audit_log',
      'ledger_entry',
      'top_up',
      'allowance_grant',
      'subscription',
      'billing_account',
      'price_plan_version',
      'price_plan',
      'product',
      'customer',
    ]) {
      this.addSql(`drop table if exists "${table}";`);
    }
  }
}

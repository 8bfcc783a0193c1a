/**
 * Dunning (issue 10, section 4), written by apps/collections (src/dunning):
 *
 * - `dunning_policy` and `dunning_step`: code tables, one policy per customer segment (CONSUMER,
 *   BUSINESS), each step a day after the due date, a minimum overdue amount (minor units) and an
 *   action; seeded with the default ladder, changed by operators without a code change.
 * - `dunning_account`: an account's segment, its promise to pay (until a date) and whether dunning
 *   barred it (so only dunning's bar is lifted by dunning).
 * - `dunning_case`: one OPEN case per overdue account (unique), CLOSED when nothing is overdue.
 * - `dunning_action`: each step taken once per case (primary key), with its result.
 * - `dunning_notice`: the reminders and warnings to deliver, once per case, step and channel.
 * - `document_dispute`: a disputed document is held out of dunning until the dispute is withdrawn.
 * - Write-offs are payments of channel WRITE_OFF (allocated like any payment, posted against the
 *   WRITE_OFF expense account instead of BANK), so the ledger's invariants hold and a write-off is
 *   reversed like any payment.
 */
import { Migration } from '@mikro-orm/migrations';

const ACTIONS = `('REMINDER_EMAIL', 'WARNING_SMS_EMAIL', 'SOFT_BAR', 'HARD_BAR', 'TERMINATION', 'AGENCY_HANDOVER', 'WRITE_OFF')`;

const LADDER: ReadonlyArray<[number, number, string]> = [
  [1, 3, 'REMINDER_EMAIL'],
  [2, 10, 'WARNING_SMS_EMAIL'],
  [3, 14, 'SOFT_BAR'],
  [4, 21, 'HARD_BAR'],
  [5, 45, 'TERMINATION'],
  [6, 60, 'AGENCY_HANDOVER'],
  [7, 180, 'WRITE_OFF'],
];

const UP: readonly string[] = [
  `create table "dunning_policy" (
  "code" varchar(32) not null primary key check ("code" ~ '^[A-Z0-9_]{1,32}$'),
  "segment" varchar(16) not null unique check ("segment" in ('CONSUMER', 'BUSINESS')),
  "description" text not null
);`,
  `create table "dunning_step" (
  "policy_code" varchar(32) not null references "dunning_policy" ("code"),
  "step_no" smallint not null check ("step_no" between 1 and 32),
  "day_offset" smallint not null check ("day_offset" between 0 and 3650),
  "min_overdue_minor" bigint not null default 0 check ("min_overdue_minor" >= 0),
  "action" varchar(24) not null check ("action" in ${ACTIONS}),
  primary key ("policy_code", "step_no")
);`,
  `insert into "dunning_policy" ("code", "segment", "description") values
     ('CONSUMER_DEFAULT', 'CONSUMER', 'The default ladder for consumers'),
     ('BUSINESS_DEFAULT', 'BUSINESS', 'The default ladder for business customers');`,
  `insert into "dunning_step" ("policy_code", "step_no", "day_offset", "min_overdue_minor", "action") values ${[
    'CONSUMER_DEFAULT',
    'BUSINESS_DEFAULT',
  ]
    .flatMap((p) => LADDER.map(([n, d, a]) => `('${p}', ${n}, ${d}, ${n >= 3 ? 500 : 0}, '${a}')`))
    .join(', ')};`,
  `create table "dunning_account" (
  "account_id" varchar(64) not null primary key references "billing_account" ("id"),
  "segment" varchar(16) not null default 'CONSUMER' check ("segment" in ('CONSUMER', 'BUSINESS')),
  "promise_until" date null,
  "promise_note" text null,
  "barred_by_dunning" boolean not null default false,
  "updated_at" timestamptz not null
);`,
  `create table "dunning_case" (
  "id" varchar(64) not null primary key,
  "account_id" varchar(64) not null references "billing_account" ("id"),
  "status" varchar(8) not null check ("status" in ('OPEN', 'CLOSED')),
  "opened_on" date not null,
  "closed_on" date null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null
);`,
  `create unique index "dunning_case_one_open" on "dunning_case" ("account_id") where "status" = 'OPEN';`,
  `create table "dunning_action" (
  "case_id" varchar(64) not null references "dunning_case" ("id"),
  "step_no" smallint not null,
  "action" varchar(24) not null check ("action" in ${ACTIONS}),
  "overdue_minor" bigint not null,
  "taken_on" date not null,
  "result" jsonb not null,
  "created_at" timestamptz not null,
  primary key ("case_id", "step_no")
);`,
  `create table "dunning_notice" (
  "id" varchar(128) not null primary key,
  "case_id" varchar(64) not null references "dunning_case" ("id"),
  "account_id" varchar(64) not null,
  "channel" varchar(8) not null check ("channel" in ('EMAIL', 'SMS')),
  "template" varchar(32) not null,
  "overdue_minor" bigint not null,
  "status" varchar(8) not null default 'PENDING' check ("status" in ('PENDING', 'SENT', 'FAILED')),
  "created_at" timestamptz not null
);`,
  `create table "document_dispute" (
  "document_id" varchar(64) not null primary key references "billing_document" ("id"),
  "reason" text not null,
  "opened_by" varchar(200) not null,
  "created_at" timestamptz not null
);`,
  `alter table "payment" drop constraint "payment_channel_check";`,
  `alter table "payment" add constraint "payment_channel_check" check ("channel" in ('BANK_TRANSFER', 'DIRECT_DEBIT', 'CARD', 'WRITE_OFF'));`,
];

export class Migration20261203002200_dunning extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const t of [
      'document_dispute',
      'dunning_notice',
      'dunning_action',
      'dunning_case',
      'dunning_account',
      'dunning_step',
      'dunning_policy',
    ])
      this.addSql(`drop table if exists "${t}";`);
  }
}

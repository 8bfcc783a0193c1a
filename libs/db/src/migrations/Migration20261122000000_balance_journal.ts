/**
 * The balance journal (apps/charging/src/journal): what PostgreSQL keeps of the rated-event stream
 * so that an account Redis lost is recreated with its balance, its allowances' consumed units and
 * its tier counters, not only from the provisioning ledger. Written by the journal consumer alone,
 * in one transaction per batch together with its stream position (exactly once). No foreign keys:
 * the stream is the source, and an event never waits for a provisioning row.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "journal_position" (
  "stream" varchar(64) not null,
  "last_seq" bigint not null check ("last_seq" >= 0),
  "events_applied" bigint not null default 0,
  "events_invalid" bigint not null default 0,
  "events_lost" bigint not null default 0,
  "updated_at" timestamptz not null,
  constraint "journal_position_pkey" primary key ("stream")
);`,
  `create table "account_journal" (
  "account_id" varchar(64) not null,
  "balance_micros" bigint not null check ("balance_micros" between -9007199254740991 and 9007199254740991),
  "cycle_id" varchar(32) not null default '',
  "last_seq" bigint not null,
  "last_event_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "account_journal_pkey" primary key ("account_id")
);`,
  `create table "bucket_journal" (
  "account_id" varchar(64) not null,
  "bucket_id" varchar(128) not null,
  "consumed_units" bigint not null,
  constraint "bucket_journal_pkey" primary key ("account_id", "bucket_id")
);`,
  `create table "cycle_journal" (
  "account_id" varchar(64) not null,
  "cycle_id" varchar(32) not null,
  "rating_group" bigint not null check ("rating_group" between 0 and 4294967295),
  "units" bigint not null check ("units" between 0 and 4503599627370496),
  constraint "cycle_journal_pkey" primary key ("account_id", "cycle_id", "rating_group")
);`,
  `alter table "top_up" add column "journaled_at" timestamptz null;`,
];

export class Migration20261122000000_balance_journal extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('alter table "top_up" drop column if exists "journaled_at";');
    for (const table of ['cycle_journal', 'bucket_journal', 'account_journal', 'journal_position'])
      this.addSql(`drop table if exists "${table}";`);
  }
}

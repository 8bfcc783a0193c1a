/**
 * Invoice runs (billing context, written by apps/invoicing): the state of a month-end run kept in
 * PostgreSQL so every phase can be resumed after a crash.
 *
 * - `billing_run`: one per billing cycle (re-running a cycle resumes or repeats the same run).
 * - `billing_run_step`: one row per phase and shard; a worker claims a step with a lease, so a
 *   worker killed in mid-shard leaves a step that another worker takes over once the lease ends.
 * - `billing_run_account`: the plan, the accounts of the run and the stable shard of each; a shard
 *   (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX) reads its slice from here.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "billing_run" (
  "id" varchar(64) not null,
  "cycle_id" varchar(64) not null,
  "shard_count" int not null check ("shard_count" between 1 and 1024),
  "status" varchar(16) not null check ("status" in ('RUNNING', 'COMPLETED', 'FAILED')),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  "finished_at" timestamptz null,
  constraint "billing_run_pkey" primary key ("id"),
  constraint "billing_run_cycle_id_unique" unique ("cycle_id")
);`,
  `create table "billing_run_step" (
  "run_id" varchar(64) not null references "billing_run" ("id"),
  "phase" varchar(16) not null check ("phase" in ('PLAN', 'COMPUTE', 'VALIDATE', 'FINALIZE', 'RENDER', 'DELIVER', 'REPORT')),
  "shard_index" int not null check ("shard_index" >= 0),
  "status" varchar(16) not null check ("status" in ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
  "attempts" int not null default 0 check ("attempts" >= 0),
  "lease_owner" varchar(128) null,
  "lease_expires_at" timestamptz null,
  "items_total" bigint not null default 0 check ("items_total" >= 0),
  "items_done" bigint not null default 0 check ("items_done" >= 0),
  "last_error" text null,
  "started_at" timestamptz null,
  "finished_at" timestamptz null,
  constraint "billing_run_step_pkey" primary key ("run_id", "phase", "shard_index")
);`,
  `create table "billing_run_account" (
  "run_id" varchar(64) not null references "billing_run" ("id"),
  "account_id" varchar(64) not null,
  "shard_index" int not null check ("shard_index" >= 0),
  constraint "billing_run_account_pkey" primary key ("run_id", "account_id")
);`,
  `create index "billing_run_account_shard_index" on "billing_run_account" ("run_id", "shard_index", "account_id");`,
];

export class Migration20261203000200_billing_runs extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "billing_run_account";');
    this.addSql('drop table if exists "billing_run_step";');
    this.addSql('drop table if exists "billing_run";');
  }
}

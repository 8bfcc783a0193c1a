/**
 * A statement import whose process died stays visible as such (issue 10): a RUNNING import beats a
 * heartbeat while it works (heartbeat_at, with its counts so far); one whose heartbeat is older than
 * the stale limit (apps/collections IMPORT_STALE_AFTER_MS_DEFAULT) is ABANDONED by the next import or
 * at the collections process's start. Its applied entries stay (each was its own transaction);
 * importing the file again applies the rest, each once.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203002700_statement_import_heartbeat extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "bank_statement_import" add column "heartbeat_at" timestamptz null;`);
    this.addSql(`update "bank_statement_import" set "heartbeat_at" = coalesce("finished_at", "started_at");`);
    this.addSql(`alter table "bank_statement_import" alter column "heartbeat_at" set not null;`);
    this.addSql(`alter table "bank_statement_import" drop constraint "bank_statement_import_status_check";`);
    this.addSql(
      `alter table "bank_statement_import" add constraint "bank_statement_import_status_check" check ("status" in ('RUNNING', 'DONE', 'FAILED', 'ABANDONED'));`,
    );
    this.addSql(`create index "bank_statement_import_running" on "bank_statement_import" ("heartbeat_at") where "status" = 'RUNNING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "bank_statement_import_running";`);
    this.addSql(`update "bank_statement_import" set "status" = 'FAILED' where "status" = 'ABANDONED';`);
    this.addSql(`alter table "bank_statement_import" drop constraint "bank_statement_import_status_check";`);
    this.addSql(
      `alter table "bank_statement_import" add constraint "bank_statement_import_status_check" check ("status" in ('RUNNING', 'DONE', 'FAILED'));`,
    );
    this.addSql(`alter table "bank_statement_import" drop column "heartbeat_at";`);
  }
}

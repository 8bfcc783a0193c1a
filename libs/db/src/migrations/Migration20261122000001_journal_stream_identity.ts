/**
 * The balance journal remembers which incarnation of its stream it follows (the stream's creation
 * time): a stream deleted and created again (NATS storage lost, an operator's mistake) starts its
 * sequences at 1 again, and a journal comparing sequences only would skip the new stream's events
 * up to its old position. `stream_resets` counts how often that happened.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000001_journal_stream_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "journal_position" add column "stream_created" varchar(40) null;');
    this.addSql('alter table "journal_position" add column "stream_resets" bigint not null default 0;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "journal_position" drop column if exists "stream_resets";');
    this.addSql('alter table "journal_position" drop column if exists "stream_created";');
  }
}

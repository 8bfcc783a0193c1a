/**
 * The outboxes' batch rows (`events`, Migration20261205004600) are compressed with lz4 instead of pglz
 * (issue 10, matching 1M entries). A statement import's batch row holds the PAYMENT_RECEIVED and
 * PAYMENT_ALLOCATED events of 500 payments, about 500 kB of JSON, so it is always stored out of line (TOAST)
 * and compressed. Measured on this box (psql, 50 such rows of a 100,000-entry import, inserted twice each,
 * alternated): 5.0 ms a row with pglz, 2.9 ms with lz4, of which parsing the JSON into jsonb is about 2 ms.
 * The column stays jsonb: the relay publishes each payload as its jsonb text, the bytes a plain row's
 * payload publishes as.
 *
 * Only new values are compressed the new way (PostgreSQL reads both); nothing is rewritten. A server
 * without column compression methods (before PostgreSQL 14) or built without lz4 keeps pglz: the
 * migration applies and changes nothing there.
 */
import { Migration } from '@mikro-orm/migrations';

const TABLES = ['billing_outbox', 'collections_outbox'] as const;

/**
 * `alter ... set compression <method>` on each outbox's events, where the server can; a no-op where it cannot.
 * A change of the column's type resets it (Migration20261205004900 sets it again).
 */
export function setCompression(method: 'lz4' | 'default'): string {
  const alters = TABLES.map((t) => `execute 'alter table "${t}" alter column "events" set compression ${method}';`).join('\n      ');
  return `do $$
begin
  if current_setting('server_version_num')::int >= 140000 then
    begin
      ${alters}
    exception when feature_not_supported or invalid_parameter_value then
      raise notice 'outbox events: compression ${method} is not available on this server; kept as it is';
    end;
  end if;
end $$;`;
}

export class Migration20261205004800_outbox_events_lz4 extends Migration {
  override async up(): Promise<void> {
    this.addSql(setCompression('lz4'));
  }

  override async down(): Promise<void> {
    this.addSql(setCompression('default'));
  }
}

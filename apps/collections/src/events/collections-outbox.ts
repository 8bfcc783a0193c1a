/**
 * Writes `ratel.collections.v1` events (@app/events collections-event.ts) to `collections_outbox`
 * in the caller's transaction, so an event exists exactly when its change committed. The relay
 * (@app/events outbox-stream, started by main.ts when NATS_URL is set) publishes them in order.
 * An event written twice (the same id: the same change) is kept once.
 */
import type { PoolClient } from 'pg';
import { collectionsEvent, type CollectionsEventInput } from '@app/events';

export async function writeCollectionsEvents(
  c: PoolClient,
  events: readonly { input: CollectionsEventInput; source: string }[],
  now: Date,
): Promise<void> {
  if (events.length === 0) return;
  const entries = events.map((e) => collectionsEvent(e.input, e.source, now));
  await c.query(
    `insert into collections_outbox (event_id, subject, payload, created_at)
     select event_id, subject, payload, $2 from jsonb_to_recordset($1::jsonb) as t(event_id text, subject text, payload jsonb)
     on conflict (event_id) do nothing`,
    [JSON.stringify(entries.map((e) => ({ event_id: e.eventId, subject: e.subject, payload: e.payload }))), now],
  );
}

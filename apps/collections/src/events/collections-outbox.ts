/**
 * Writes `ratel.collections.v1` events (@app/events collections-event.ts) to `collections_outbox`
 * in the caller's transaction, so an event exists exactly when its change committed. The relay
 * (@app/events outbox-stream, started by main.ts when NATS_URL is set) publishes them in order.
 * An event written twice (the same id: the same change) is kept once.
 */
import type { PoolClient, QueryConfig } from 'pg';
import {
  collectionsEvent,
  collectionsEventIdOf,
  type CollectionsEventInput,
  type PaymentReceivedItem,
  paymentReceivedEvents,
  paymentsReceivedBatch,
} from '@app/events';

/**
 * collections_outbox rows the relay reads per round. A row of a statement import's batch holds every event of
 * up to APPLY_BATCH_MAX (2,000) payments, about 4,000 (payment received, and allocated); the relay expands the
 * rows of a round at once, so a round of PgOutboxRelay's default 500 such rows would be 2M events in memory. 100
 * keeps a round within the 500 x 1,000 events it could reach with batches of 500; a round of plain rows (one event
 * each) costs one read and one mark per 100 events.
 */
export const COLLECTIONS_RELAY_ROWS_PER_ROUND = 100;

export async function writeCollectionsEvents(
  c: PoolClient,
  events: readonly { input: CollectionsEventInput; source: string }[],
  now: Date,
): Promise<void> {
  if (events.length === 0) return;
  await c.query(
    `insert into collections_outbox (event_id, subject, payload, created_at)
     select event_id, subject, payload, $2 from jsonb_to_recordset($1::jsonb) as t(event_id text, subject text, payload jsonb)
     on conflict (event_id) do nothing`,
    [JSON.stringify(entriesOf(events, now).map((e) => ({ event_id: e.eventId, subject: e.subject, payload: e.payload }))), now],
  );
}

/** The events as the outbox writes them: id, subject, payload. */
const entriesOf = (events: readonly { input: CollectionsEventInput; source: string }[], now: Date) =>
  events.map((e) => collectionsEvent(e.input, e.source, now));

/**
 * The events as ONE row of collections_outbox (a batch row: `events`, in order; its event_id is the first
 * event's; Migration20261205004600), built without a connection (undefined: no events). For events keyed by
 * rows the same transaction inserts (a statement import's new payments), so none can exist already: a plain
 * insert, which the same batch written twice fails. One row instead of one per event: the outbox was a
 * quarter of an import batch's write statement (RESULTS.md, "Matching, eighth round"). Pure.
 */
export function collectionsEventBatchStatement(
  events: readonly { input: CollectionsEventInput; source: string }[],
  now: Date,
): QueryConfig | undefined {
  if (events.length === 0) return undefined;
  const entries = entriesOf(events, now);
  return batchRowStatement(
    entries[0].eventId,
    JSON.stringify(entries.map((e) => ({ eventId: e.eventId, subject: e.subject, payload: e.payload }))),
    now,
  );
}

/** The insert of one batch row: its events' text in either form, keyed by its first event's id (a plain insert: the same batch twice fails). */
const batchRowStatement = (firstEventId: string, events: string, now: Date): QueryConfig => ({
  text: `insert into collections_outbox (event_id, events, created_at) values ($1, $2::json, $3)`,
  values: [firstEventId, events, now],
});

/**
 * The events of payments received together (paymentReceivedEvents of each, in order: a statement import's
 * batch of new payments) as ONE batch row, in its compact form (paymentsReceivedBatch: about a seventh of the
 * events' text, expanded by the SQL function `outbox_events` for the relay and the view), or as the events
 * themselves when an id does not allow it. Keyed, as collectionsEventBatchStatement's row, by its first event's
 * id; undefined: no payments. Pure.
 */
export function paymentsReceivedEventsStatement(items: readonly PaymentReceivedItem[], now: Date): QueryConfig | undefined {
  if (items.length === 0) return undefined;
  const compact = paymentsReceivedBatch(items, now);
  if (compact === undefined) return collectionsEventBatchStatement(items.flatMap(paymentReceivedEvents), now);
  return batchRowStatement(collectionsEventIdOf('PAYMENT_RECEIVED', items[0].paymentId), compact, now);
}

/**
 * A second form of outbox batch row (issue 10, matching 1M entries): the events of payments received
 * together, written COMPACT, and the SQL function `outbox_events` that expands every batch row, whichever
 * form, into its events. The relay (PgOutboxRelay) and the view `collections_event` read batch rows through
 * it, so there is one reader of the forms.
 *
 * A statement import writes a PAYMENT_RECEIVED and a PAYMENT_ALLOCATED event per payment, 500 payments to a
 * batch row: 477 kB of JSON a row as events (an id, a subject and a payload each, the payload repeating the
 * schema, the time, the payment, the account and the currency). Storing it (checking the text, compressing
 * it, its TOAST chunks and their WAL) and building and sending it were the largest single part of an import
 * batch's write (RESULTS.md, "Matching: the events of a batch in a seventh of the bytes"). The compact form
 * (@app/events paymentsReceivedBatch) says each payment's fields once, in an array, and the time and the
 * ledger transactions once a row, about 70 kB for the same 500 payments:
 *
 *   {"form":"payments-received.v1","occurredAt":"<ISO>","ledgerTransactions":["<id>",...],
 *    "payments":[[paymentId, accountId|null, currency, unappliedMinor, channel, amountMinor, valueDate,
 *                 status, matchRule|null, <index in ledgerTransactions>|null, [[documentId, amountMinor],...]|null], ...]}
 *
 * `outbox_events(events)` gives, in order, each payment's PAYMENT_RECEIVED and, when it paid documents, its
 * PAYMENT_ALLOCATED: the ids (`ce-rcv:<payment>`, `ce-alc:<payment>`, the plain form of collectionsEventIdOf:
 * the writer keeps the compact form for payments whose ids have it), the subjects
 * (`ratel.collections.v1.payment-received.<account | _suspense>`) and the payloads that collectionsEvent
 * builds for them, as jsonb; the relay publishes a payload as its jsonb text, as it publishes every other
 * event. The array form expands as before. The strings of `ratel.collections.v1` stand here as this
 * migration writes them (a schema version is a new form); a spec compares the function's events with
 * collectionsEvent's for every field.
 *
 * The one-form check accepts a batch row of either form: a non-empty array as before, or an object whose
 * text opens with this form's name (read from its first characters, as the array test reads them: the check
 * must not parse a 70 kB row on every insert).
 *
 * Down: each compact row is written as its events (the array form, through the function), then the check
 * and view of Migration20261205004900, and the function dropped.
 */
import { Migration } from '@mikro-orm/migrations';
import { collectionsEventView, oneFormCheck } from './Migration20261205004600_outbox_event_batches';

const TABLES = ['billing_outbox', 'collections_outbox'] as const;

/** The compact form's name, as the writer (@app/events PAYMENTS_RECEIVED_FORM) opens its text with it. */
const FORM = 'payments-received.v1';

/**
 * The function: every event of a batch row, `n` its place (the array form's ordinality; 2i-1 and 2i for the i-th
 * payment). plpgsql, STRICT and estimated at up to 1,000 rows a call, not an inlinable SQL function:
 * - a plain row's NULL `events` never calls it (the relay joins it to every row it reads);
 * - the compact row is made jsonb once, into a variable: inlined, PostgreSQL converted the whole row again for
 *   every field it read (measured: 714 ms instead of 20 ms for a row of 500 payments);
 * - inlined, its plan made the relay's query look dear enough to be JIT-compiled, 91 ms instead of 8 ms for 500
 *   plain rows (outbox-relay-bench.ts found both).
 */
const OUTBOX_EVENTS = `create or replace function outbox_events(events json)
returns table (n bigint, event_id text, subject text, payload jsonb)
language plpgsql immutable strict parallel safe rows 1000 as $$
#variable_conflict use_column
declare
  b jsonb;
begin
  if json_typeof(events) = 'array' then
    return query select e.n, e.x->>'eventId', e.x->>'subject', (e.x->'payload')::jsonb
      from json_array_elements(events) with ordinality as e(x, n);
  elsif json_typeof(events) = 'object' then
    b := events::jsonb;
    if b->>'form' = '${FORM}' then
      return query select 2 * p.i - 2 + k.kind,
        'ce-' || k.code || ':' || replace(p.x->>0, '|', ':'),
        'ratel.collections.v1.' || k.token || '.' || coalesce(p.x->>1, '_suspense'),
        case k.kind
          when 1 then jsonb_build_object(
            'schema', 'ratel.collections.v1', 'eventId', 'ce-rcv:' || replace(p.x->>0, '|', ':'), 'occurredAt', b->>'occurredAt',
            'type', 'PAYMENT_RECEIVED', 'accountId', p.x->>1, 'paymentId', p.x->>0, 'currency', p.x->>2, 'unappliedMinor', p.x->>3,
            'channel', p.x->>4, 'amountMinor', p.x->>5, 'valueDate', p.x->>6, 'status', p.x->>7, 'matchRule', p.x->>8)
          else jsonb_build_object(
            'schema', 'ratel.collections.v1', 'eventId', 'ce-alc:' || replace(p.x->>0, '|', ':'), 'occurredAt', b->>'occurredAt',
            'type', 'PAYMENT_ALLOCATED', 'accountId', p.x->>1, 'paymentId', p.x->>0, 'currency', p.x->>2, 'unappliedMinor', p.x->>3,
            'ledgerTransactionId', b->'ledgerTransactions'->>((p.x->>9)::int),
            'allocations', coalesce(
              (select jsonb_agg(jsonb_build_object('documentId', a.x->>0, 'amountMinor', a.x->>1) order by a.j)
               from jsonb_array_elements(p.x->10) with ordinality as a(x, j)), '[]'::jsonb))
        end
      from jsonb_array_elements(b->'payments') with ordinality as p(x, i)
      cross join lateral (values (1, 'rcv', 'payment-received'), (2, 'alc', 'payment-allocated')) as k(kind, code, token)
      where k.kind = 1 or jsonb_typeof(p.x->10) = 'array';
    end if;
  end if;
end $$;`;

/** How a compact row's text opens: the one-form check reads this many characters only. */
const OPENING = `{"form":"${FORM}",`;
/** The compact form, as the one-form check knows it (beside Migration20261205004900's non-empty array). */
const COMPACT_FORM_TEST = `json_typeof("events") = 'object' and left("events"::text, ${OPENING.length}) = '${OPENING}'`;

/** The view of collections' events, one per row, whichever form holds them (through outbox_events). */
const VIEW = `create view "collections_event" as
  select o.id as row_id, coalesce(e.n, 1) as row_order,
    coalesce(e.event_id, o.event_id) as event_id, coalesce(e.subject, o.subject) as subject,
    coalesce(e.payload, o.payload) as payload, o.created_at, o.published_at
  from "collections_outbox" o
  left join lateral outbox_events(o.events) as e on true;`;

export class Migration20261206005100_outbox_payments_received extends Migration {
  override async up(): Promise<void> {
    this.addSql(OUTBOX_EVENTS);
    this.addSql(`drop view if exists "collections_event";`);
    for (const t of TABLES) {
      this.addSql(`alter table "${t}" drop constraint if exists "${t}_one_form";`);
      this.addSql(oneFormCheck(t, 'json', COMPACT_FORM_TEST));
    }
    this.addSql(VIEW);
  }

  override async down(): Promise<void> {
    this.addSql(`drop view if exists "collections_event";`);
    for (const t of TABLES) {
      this.addSql(`update "${t}" o set "events" = (
    select json_agg(json_build_object('eventId', e.event_id, 'subject', e.subject, 'payload', e.payload) order by e.n)
    from outbox_events(o."events") e)
  where json_typeof(o."events") = 'object';`);
      this.addSql(`alter table "${t}" drop constraint if exists "${t}_one_form";`);
      this.addSql(oneFormCheck(t, 'json'));
    }
    this.addSql(collectionsEventView('json'));
    this.addSql(`drop function if exists outbox_events(json);`);
  }
}

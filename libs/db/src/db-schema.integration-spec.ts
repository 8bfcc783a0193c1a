import { MikroORM } from '@mikro-orm/postgresql';
import { createTestDatabase } from '@app/devstack';
import { MIGRATIONS } from './migrations';
import {
  AMOUNT_MAX_MICROS,
  BillingAccount,
  Customer,
  createOrmConfig,
  DB_CONTEXTS,
  LedgerEntry,
  migrate,
  PricePlan,
  PricePlanVersion,
  Product,
} from './index';

describe('libs/db schema', () => {
  let url: string;
  let orm: MikroORM;

  beforeAll(async () => {
    url = await createTestDatabase('dbschema');
    const first = await migrate(url);
    expect(first.applied.length).toBeGreaterThan(0);
    orm = await MikroORM.init(createOrmConfig(url));
  });
  afterAll(async () => orm?.close(true));

  it('is idempotent: a second migrate applies nothing', async () => {
    expect((await migrate(url)).applied).toEqual([]);
  });

  it('matches the entities (the generator finds nothing to change)', async () => {
    const sql = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: true });
    // CHECK constraints (id alphabet, money bounds, windows) live only in the migrations: the
    // entities cannot express them, so the generator would drop them.
    const changes = sql
      .split('\n')
      .map((l) => l.trim())
      .filter(
        (l) =>
          l !== '' &&
          !/drop constraint \w+_check;$|drop constraint billing_account_prepaid_no_credit;|drop constraint allowance_grant_window;/.test(l),
      );
    expect(changes).toEqual([]);
  });

  it('gives every table exactly one context (entities or SQL-only tables)', async () => {
    const owners = new Map<string, string[]>();
    for (const [name, ctx] of Object.entries(DB_CONTEXTS)) {
      const tables = [...ctx.entities.map((e) => orm.getMetadata().get(e.name).tableName), ...ctx.sqlTables];
      for (const t of tables) owners.set(t, [...(owners.get(t) ?? []), name]);
    }
    const rows: Array<{ table_name: string }> = await orm.em
      .fork()
      .getConnection()
      .execute(
        `select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations' order by 1`,
      );
    const unowned = rows.map((r) => r.table_name).filter((t) => owners.get(t)?.length !== 1);
    expect(unowned).toEqual([]);
    expect([...owners.keys()].sort()).toEqual(rows.map((r) => r.table_name));
  });

  it('round-trips money as bigint and thresholds as bigint[]', async () => {
    const em = orm.em.fork();
    const at = new Date(Date.UTC(2026, 0, 1));
    em.create(Product, { id: 'p1', name: 'P', createdAt: at });
    em.create(PricePlan, { id: 'pl1', product: 'p1', name: 'Plan', currency: 'EUR', currentVersion: 1, createdAt: at, updatedAt: at });
    em.create(PricePlanVersion, { plan: 'pl1', version: 1, planJson: { a: 1 }, createdAt: at });
    em.create(Customer, { id: 'c1', name: 'C', createdAt: at, updatedAt: at });
    em.create(BillingAccount, {
      id: 'a1',
      customer: 'c1',
      type: 'POSTPAID',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      cycleDay: 1,
      plan: 'pl1',
      creditLimitMicros: AMOUNT_MAX_MICROS,
      thresholdsMicros: [AMOUNT_MAX_MICROS, 5_000_000n],
      createdAt: at,
      updatedAt: at,
    });
    em.create(LedgerEntry, { account: 'a1', kind: 'INITIAL', amountMicros: -AMOUNT_MAX_MICROS, createdAt: at });
    await em.flush();
    const fresh = orm.em.fork();
    const acct = await fresh.findOneOrFail(BillingAccount, 'a1');
    expect(acct.creditLimitMicros).toBe(AMOUNT_MAX_MICROS);
    expect(acct.thresholdsMicros).toEqual([AMOUNT_MAX_MICROS, 5_000_000n]);
    const entry = await fresh.findOneOrFail(LedgerEntry, { account: 'a1' });
    expect(entry.amountMicros).toBe(-AMOUNT_MAX_MICROS);
    // Loaded and untouched means unchanged: the bigint and bigint[] comparisons are stable.
    fresh.getUnitOfWork().computeChangeSets();
    expect(fresh.getUnitOfWork().getChangeSets()).toHaveLength(0);
  });

  it('refuses money beyond 2^53 - 1 and credit on prepaid accounts', async () => {
    const conn = orm.em.fork().getConnection();
    await expect(conn.execute(`update billing_account set credit_limit_micros = 9007199254740992 where id = 'a1'`)).rejects.toThrow(
      /check/,
    );
    await expect(conn.execute(`update billing_account set type = 'PREPAID' where id = 'a1'`)).rejects.toThrow(/prepaid_no_credit/);
  });

  it('migrates the outbox batch rows down to plain rows, and refuses while one is unpublished', async () => {
    const conn = orm.em.fork().getConnection();
    const events = (ids: string[]) =>
      JSON.stringify(ids.map((eventId, i) => ({ eventId, subject: `ratel.collections.v1.s${i}`, payload: { n: i } })));
    await conn.execute(
      `insert into collections_outbox (event_id, events, created_at, published_at) values
         ('ce-a', '${events(['ce-a', 'ce-b', 'ce-c'])}', now(), now()), ('ce-d', '${events(['ce-d', 'ce-e'])}', now(), null)`,
    );
    const migrator = orm.getMigrator();
    // Down to and including 004600, and the migrations after it.
    const batches = 'Migration20261205004600_outbox_event_batches';
    const later = MIGRATIONS.slice(MIGRATIONS.findIndex((m) => m.name === batches)).map((m) => m.name);
    expect(later[0]).toBe(batches);
    await expect(migrator.down({ to: batches })).rejects.toThrow(/1 unpublished rows of several events/);
    expect((await conn.execute(`select count(*)::int as n from collections_outbox where events is not null`))[0].n).toBe(2);
    await conn.execute(`update collections_outbox set published_at = now() where event_id = 'ce-d'`);
    await migrator.down({ to: batches });
    const rows: { event_id: string; subject: string; payload: unknown }[] = await conn.execute(
      `select event_id, subject, payload from collections_outbox order by id`,
    );
    expect(rows.map((r) => [r.event_id, r.subject, r.payload])).toEqual([
      ['ce-a', 'ratel.collections.v1.s0', { n: 0 }],
      ['ce-d', 'ratel.collections.v1.s0', { n: 0 }],
      ['ce-b', 'ratel.collections.v1.s1', { n: 1 }],
      ['ce-c', 'ratel.collections.v1.s2', { n: 2 }],
      ['ce-e', 'ratel.collections.v1.s1', { n: 1 }],
    ]);
    expect((await migrate(url)).applied).toEqual(later);
    await conn.execute(`delete from collections_outbox`);
  });

  it('guards every column of an issued document but its status, paid amount and update time (a new column calls billing_document_guard_install())', async () => {
    const conn = orm.em.fork().getConnection();
    const columns: Array<{ attname: string }> = await conn.execute(
      `select attname from pg_attribute where attrelid = 'billing_document'::regclass and attnum > 0 and not attisdropped order by attnum`,
    );
    const [{ def }]: Array<{ def: string }> = await conn.execute(
      `select pg_get_triggerdef(oid) as def from pg_trigger where tgrelid = 'billing_document'::regclass and tgname = 'billing_document_guard'`,
    );
    const compared = (c: string) => new RegExp(`\\(?new\\."?${c}"?\\)?(::\\w+)? IS DISTINCT FROM \\(?old\\."?${c}"?\\b`).test(def);
    const allowed = ['status', 'paid_minor', 'updated_at'];
    expect(columns.map((c) => c.attname).filter((c) => !allowed.includes(c) && !compared(c))).toEqual([]);
    expect(allowed.filter(compared)).toEqual([]);
  });

  it("compresses the outboxes' batch rows with lz4 (this PostgreSQL 15 has it), and pglz again after down", async () => {
    const conn = orm.em.fork().getConnection();
    const methods = async () =>
      (
        (await conn.execute(
          `select attrelid::regclass::text as t, attcompression::text as c from pg_attribute
           where attname = 'events' and attrelid in ('billing_outbox'::regclass, 'collections_outbox'::regclass) order by 1`,
        )) as { t: string; c: string }[]
      ).map((r) => `${r.t}:${r.c}`);
    expect(await methods()).toEqual(['billing_outbox:l', 'collections_outbox:l']);
    const lz4 = 'Migration20261205004800_outbox_events_lz4';
    const later = MIGRATIONS.slice(MIGRATIONS.findIndex((m) => m.name === lz4)).map((m) => m.name);
    await orm.getMigrator().down({ to: lz4 });
    expect(await methods()).toEqual(['billing_outbox:', 'collections_outbox:']);
    expect((await migrate(url)).applied).toEqual(later);
    expect(await methods()).toEqual(['billing_outbox:l', 'collections_outbox:l']);
  });

  it("refuses a document's status that is not a code (a CHECK listing the code table's codes) and keeps the codes", async () => {
    const conn = orm.em.fork().getConnection();
    await conn.execute(
      `insert into number_series (id, document_type, legal_entity_id, year, prefix) values ('status-s', 'INVOICE', 'le-status', 2026, 'S')`,
    );
    const insert = (id: string, status: string, numbered: boolean) =>
      conn.execute(
        `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, series_id, number, currency,
           net_minor, tax_minor, gross_minor, created_at, updated_at)
         values ('${id}', '${id}', 'a1', 'INVOICE', '${status}', 'le-status', ${numbered ? `'status-s', 1` : 'null, null'}, 'EUR', 0, 0, 0, now(), now())`,
      );
    const notACode = /billing_document_status_code/;
    await expect(insert('status-1', 'NOPE', true)).rejects.toThrow(notACode);
    await insert('status-2', 'DRAFT', false);
    await expect(
      conn.execute(`update billing_document set status = 'NOPE', series_id = 'status-s', number = 2 where id = 'status-2'`),
    ).rejects.toThrow(notACode);
    await conn.execute(`update billing_document set status = 'HELD' where id = 'status-2'`);
    await expect(conn.execute(`delete from billing_document_status where code = 'REJECTED'`)).rejects.toThrow(/never deleted/);
    await expect(conn.execute(`update billing_document_status set code = 'GONE' where code = 'REJECTED'`)).rejects.toThrow(
      /never changes its code/,
    );
    const [{ n }]: Array<{ n: number }> = await conn.execute(
      `select count(*)::int as n from billing_document where id in ('status-1', 'status-2') and status = 'HELD'`,
    );
    expect(n).toBe(1);
    await conn.execute(`delete from billing_document where id = 'status-2'`);
    await conn.execute(`delete from number_series where id = 'status-s'`);
    const [{ def, codes }]: Array<{ def: string; codes: string[] }> = await conn.execute(
      `select pg_get_constraintdef(oid) as def, (select array_agg(code::text order by code) from billing_document_status) as codes
       from pg_constraint where conname = 'billing_document_status_code'`,
    );
    const listed = [...def.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(codes);
  });

  it.each([
    ['an empty array of events', `'[]'`, null, null],
    ['an empty array with spaces', `' [ ] '`, null, null],
    ['events that are not an array', `'{"eventId":"e"}'`, null, null],
    ['an object of another form', `'{"form":"payments-received.v2","payments":[]}'`, null, null],
    ['both forms', `'[{"eventId":"e"}]'`, `'s'`, `'{}'`],
    ['neither form', null, null, null],
  ])('refuses an outbox row of %s (the one-form check, events as json)', async (_name, events, subject, payload) => {
    const conn = orm.em.fork().getConnection();
    for (const t of ['billing_outbox', 'collections_outbox'])
      await expect(
        conn.execute(
          `insert into ${t} (event_id, events, subject, payload, created_at) values ('one-form-bad', ${events}, ${subject}, ${payload}, now())`,
        ),
      ).rejects.toThrow(/one_form/);
  });

  it("keeps a batch row's events as written (json) and gives each payload as jsonb in the collections_event view", async () => {
    const conn = orm.em.fork().getConnection();
    const events = JSON.stringify([
      { eventId: 'one-form-1', subject: 'ratel.collections.v1.x', payload: { b: 1, a: 'x' } },
      { eventId: 'one-form-2', subject: 'ratel.collections.v1.y', payload: { n: 2 } },
    ]);
    await conn.execute(`insert into collections_outbox (event_id, events, created_at) values ('one-form-1', ?::json, now())`, [events]);
    const [{ kept, type }]: Array<{ kept: string; type: string }> = await conn.execute(
      `select events::text as kept, pg_typeof(events)::text as type from collections_outbox where event_id = 'one-form-1'`,
    );
    expect({ kept, type }).toEqual({ kept: events, type: 'json' });
    const rows: Array<{ event_id: string; payload: string; type: string }> = await conn.execute(
      `select event_id, payload::text as payload, pg_typeof(payload)::text as type from collections_event
       where event_id like 'one-form-%' order by row_order`,
    );
    expect(rows).toEqual([
      { event_id: 'one-form-1', payload: '{"a": "x", "b": 1}', type: 'jsonb' },
      { event_id: 'one-form-2', payload: '{"n": 2}', type: 'jsonb' },
    ]);
    await conn.execute(`delete from collections_outbox where event_id = 'one-form-1'`);
  });

  it('expands a compact row of payments received through outbox_events, and writes it as its events when migrated down', async () => {
    const conn = orm.em.fork().getConnection();
    const compact = JSON.stringify({
      form: 'payments-received.v1',
      occurredAt: '2026-12-02T18:00:00.000Z',
      ledgerTransactions: ['lt-1'],
      payments: [
        ['pay-a', 'acc-1', 'EUR', '0', 'BANK_TRANSFER', '100', '2026-12-02', 'ALLOCATED', 'RF_REFERENCE', 0, [['doc-1', '100']]],
        ['pay-b', null, 'EUR', '50', 'BANK_TRANSFER', '50', '2026-12-02', 'SUSPENSE', null, null, null],
      ],
    });
    await conn.execute(`insert into collections_outbox (event_id, events, created_at) values ('ce-rcv:pay-a', ?::json, now())`, [compact]);
    const view = async (): Promise<{ event_id: string; subject: string; payload: Record<string, unknown> }[]> =>
      conn.execute(
        `select event_id, subject, payload from collections_event where row_id = (select max(id) from collections_outbox) order by row_order`,
      );
    const before = await view();
    expect(before.map((e) => [e.event_id, e.subject])).toEqual([
      ['ce-rcv:pay-a', 'ratel.collections.v1.payment-received.acc-1'],
      ['ce-alc:pay-a', 'ratel.collections.v1.payment-allocated.acc-1'],
      ['ce-rcv:pay-b', 'ratel.collections.v1.payment-received._suspense'],
    ]);
    expect(before[1].payload).toEqual({
      schema: 'ratel.collections.v1',
      eventId: 'ce-alc:pay-a',
      occurredAt: '2026-12-02T18:00:00.000Z',
      type: 'PAYMENT_ALLOCATED',
      accountId: 'acc-1',
      paymentId: 'pay-a',
      currency: 'EUR',
      unappliedMinor: '0',
      ledgerTransactionId: 'lt-1',
      allocations: [{ documentId: 'doc-1', amountMinor: '100' }],
    });
    expect(before[2].payload).toMatchObject({ accountId: null, matchRule: null, status: 'SUSPENSE' });
    const compactForm = 'Migration20261206005100_outbox_payments_received';
    await orm.getMigrator().down({ to: compactForm });
    const [{ events }]: { events: unknown }[] = await conn.execute(`select events from collections_outbox where event_id = 'ce-rcv:pay-a'`);
    expect(events).toEqual(before.map((e) => ({ eventId: e.event_id, subject: e.subject, payload: e.payload })));
    expect(await view()).toEqual(before);
    expect((await migrate(url)).applied).toEqual(MIGRATIONS.slice(MIGRATIONS.findIndex((m) => m.name === compactForm)).map((m) => m.name));
    await conn.execute(`delete from collections_outbox where event_id = 'ce-rcv:pay-a'`);
  });

  it('migrates down and up again (the last test: it drops the data)', async () => {
    await orm.getMigrator().down({ to: 0 });
    const tables = await orm.em
      .fork()
      .getConnection()
      .execute(`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name = 'billing_account'`);
    expect(tables[0].n).toBe(0);
    expect((await migrate(url)).applied).toEqual(MIGRATIONS.map((m) => m.name));
  });
});

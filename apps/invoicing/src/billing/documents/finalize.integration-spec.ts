/**
 * Drafts, FINALIZE, the ledger and the rules the database enforces, against a real PostgreSQL:
 * gapless numbers in a fixed order, per series and year; a re-run and a second finalizer that change
 * nothing; a block that fails and is rolled back, then finished with the numbers an uninterrupted run
 * gives; issued documents that never change; balanced, append-only ledger transactions; credit notes
 * never above what is left to credit; one outbox event per issued document.
 */
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, uniqueId } from '@app/devstack';
import { isValidCreditorReference } from '@app/money';
import type { DraftDocument } from './document-types';
import { Finalizer } from './finalize';
import { PgDocumentStore } from './pg-document-store';

const NOW = Date.UTC(2026, 11, 1, 2, 0, 0);

/** A draft invoice of `netMinor` + 20 % tax, one usage line. */
function draft(runId: string, accountId: string, netMinor: bigint, over: Partial<DraftDocument> = {}): DraftDocument {
  const tax = (netMinor * 20n) / 100n;
  return {
    id: `d-${runId}-${accountId}`.slice(0, 64),
    idempotencyKey: `${runId}|${accountId}|INVOICE`,
    accountId,
    cycleId: null,
    runId,
    type: 'INVOICE',
    legalEntityId: 'le-1',
    currency: 'EUR',
    netMinor,
    taxMinor: tax,
    grossMinor: netMinor + tax,
    usageMinor: netMinor,
    paymentTermsDays: 14,
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
    correctsDocumentId: null,
    creditKind: null,
    lines: [
      {
        lineNo: 1,
        parentLineNo: null,
        kind: 'USAGE',
        description: 'data',
        quantity: '1000',
        unit: 'BYTES',
        unitPriceMinor: '0.5',
        amountMinor: netMinor,
        discountMinor: 0n,
        taxCategory: 'STANDARD',
        taxRate: '0.2',
        periodStart: '2026-11-01',
        periodEnd: '2026-12-01',
        subscriptionId: 'sub-1',
        chargeId: null,
        usageKey: 'data|10',
        discountId: null,
        late: false,
        reason: null,
      },
    ],
    taxes: [{ taxCategory: 'STANDARD', taxRate: '0.2', taxableMinor: netMinor, taxMinor: tax }],
    ...over,
  };
}

describe('billing documents (PostgreSQL)', () => {
  let pool: Pool;
  let store: PgDocumentStore;
  let finalizer: Finalizer;

  beforeAll(async () => {
    const url = await createTestDatabase('documents');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 8 });
    store = new PgDocumentStore(pool);
    finalizer = new Finalizer(pool);
  });
  afterAll(async () => {
    await pool?.end();
  });

  const numbersOf = async (runId: string) =>
    (
      await pool.query<{ account_id: string; number_text: string; status: string }>(
        `select account_id, number_text, status from billing_document where run_id = $1 order by number`,
        [runId],
      )
    ).rows;
  const options = { issueDate: '2026-11-30', nowMs: NOW };

  it('replaces a draft written again, and numbers drafts 1..N in account order, in blocks, gapless', async () => {
    const run = uniqueId('run');
    // Written out of order, and twice (a shard redone): one draft per account.
    const accounts = ['acc-07', 'acc-02', 'acc-10', 'acc-01', 'acc-05', 'acc-03', 'acc-09', 'acc-04', 'acc-08', 'acc-06'];
    await store.writeDrafts(
      accounts.map((a) => draft(run, a, 999n)),
      NOW,
    );
    expect(
      (
        await store.writeDrafts(
          accounts.map((a) => draft(run, a, 1_000n)),
          NOW,
        )
      ).written,
    ).toBe(10);
    const blocks: number[] = [];
    const r = await finalizer.finalize(
      { runId: run },
      { ...options, issueDate: '2031-11-30', blockSize: 4, onBlock: (n) => void blocks.push(n) },
    );
    expect(r).toMatchObject({ issued: 10, blocks: 3 });
    expect(blocks).toEqual([4, 4, 2]);
    const rows = await numbersOf(run);
    expect(rows.map((x) => x.account_id)).toEqual([...accounts].sort());
    expect(rows.map((x) => x.number_text)).toEqual(Array.from({ length: 10 }, (_, i) => `INV2031-${String(i + 1).padStart(6, '0')}`));
    const doc = (await pool.query(`select * from billing_document where run_id = $1 and account_id = 'acc-01'`, [run])).rows[0];
    expect(doc).toMatchObject({ status: 'ISSUED', gross_minor: '1200', net_minor: '1000', tax_minor: '200' });
    expect(doc.due_date.toISOString().slice(0, 10)).toBe('2031-12-14');
    expect(isValidCreditorReference(doc.payment_reference)).toBe(true);
    expect(doc.payment_reference).toMatch(/INV2031000001$/);

    // A re-run (and writing the drafts again) changes nothing.
    expect(
      (
        await store.writeDrafts(
          accounts.map((a) => draft(run, a, 5n)),
          NOW,
        )
      ).final,
    ).toHaveLength(10);
    expect((await finalizer.finalize({ runId: run }, { ...options, issueDate: '2031-11-30' })).issued).toBe(0);
    expect(await numbersOf(run)).toEqual(rows);
  });

  it('posts every issued document to a balanced ledger and writes one event for it', async () => {
    const run = uniqueId('run');
    await store.writeDrafts(
      ['a-1', 'a-2', 'a-3'].map((a, i) => draft(run, a, BigInt(1000 * (i + 1)))),
      NOW,
    );
    await finalizer.finalize({ runId: run }, { ...options, issueDate: '2032-01-31' });
    const legs = (
      await pool.query(
        `select p.account_code, p.party_account_id, p.amount_minor from ledger_posting p join ledger_transaction t on t.id = p.transaction_id
         join billing_document d on d.id = t.source_id where d.run_id = $1 order by d.account_id, p.line_no`,
        [run],
      )
    ).rows;
    expect(legs.slice(0, 3)).toEqual([
      { account_code: 'AR', party_account_id: 'a-1', amount_minor: '1200' },
      { account_code: 'REVENUE', party_account_id: null, amount_minor: '-1000' },
      { account_code: 'TAX_PAYABLE', party_account_id: null, amount_minor: '-200' },
    ]);
    expect(legs.reduce((s, l) => s + BigInt(l.amount_minor), 0n)).toBe(0n);
    const events = (
      await pool.query(`select subject, payload from billing_outbox where payload->>'documentId' like $1 order by id`, [`d-${run}%`])
    ).rows;
    expect(events.map((e) => [e.subject, e.payload.number, e.payload.grossMinor])).toEqual([
      ['ratel.billing.v1.issued.a-1', 'INV2032-000001', '1200'],
      ['ratel.billing.v1.issued.a-2', 'INV2032-000002', '2400'],
      ['ratel.billing.v1.issued.a-3', 'INV2032-000003', '3600'],
    ]);
  });

  it('rolls a failed block back whole, and the re-run ends with the numbers of an uninterrupted run', async () => {
    const run = uniqueId('run');
    const accounts = Array.from({ length: 9 }, (_, i) => `b-${i + 1}`);
    await store.writeDrafts(
      accounts.map((a) => draft(run, a, 100n)),
      NOW,
    );
    // The database fails the second block (the outbox insert of b-5) as a crash would: nothing of it may remain.
    await pool.query(`create function fail_b5() returns trigger language plpgsql as $$ begin
      if new.payload->>'accountId' = 'b-5' and new.payload->>'documentId' like '%${run}%' then raise exception 'injected failure'; end if;
      return new; end $$`);
    await pool.query(`create trigger fail_b5 before insert on billing_outbox for each row execute function fail_b5()`);
    await expect(finalizer.finalize({ runId: run }, { ...options, issueDate: '2033-11-30', blockSize: 3 })).rejects.toThrow(
      'injected failure',
    );
    await pool.query(`drop trigger fail_b5 on billing_outbox; drop function fail_b5()`);
    expect((await numbersOf(run)).filter((r) => r.status === 'ISSUED').map((r) => r.account_id)).toEqual(['b-1', 'b-2', 'b-3']);
    // The failed block's postings, and those of the block opened behind it (b-7..b-9), were rolled back too.
    const posted = await pool.query(`select count(*)::int as n from ledger_transaction where source_id like $1`, [`d-${run}%`]);
    expect(posted.rows[0].n).toBe(3);
    const series = await pool.query(`select next_number from number_series where id = 'INVOICE|le-1|2033'`);
    expect(series.rows[0].next_number).toBe('4');
    await finalizer.finalize({ runId: run }, { ...options, issueDate: '2033-11-30', blockSize: 3 });
    expect((await numbersOf(run)).map((r) => [r.account_id, r.number_text])).toEqual(
      accounts.map((a, i) => [a, `INV2033-${String(i + 1).padStart(6, '0')}`]),
    );
  });

  it('numbers a block from where the series is when it closes, even if the series moved after it was opened', async () => {
    const run = uniqueId('run');
    await store.writeDrafts(
      ['e-1', 'e-2', 'e-3', 'e-4'].map((a) => draft(run, a, 1000n)),
      NOW,
    );
    const other = uniqueId('run');
    await store.writeDrafts([draft(other, 'e-0', 500n)], NOW);
    let blocks = 0;
    await finalizer.finalize(
      { runId: run },
      {
        ...options,
        issueDate: '2039-11-30',
        blockSize: 2,
        // After the first block, while the second is open (its drafts locked, its writes prepared for number
        // 3): another document of the series is issued and takes number 3. The second block must take 4 and 5.
        onBlock: async () => {
          if (++blocks > 1) return;
          await finalizer.finalize({ runId: other }, { ...options, issueDate: '2039-11-30' });
        },
      },
    );
    expect((await numbersOf(run)).map((r) => [r.account_id, r.number_text])).toEqual([
      ['e-1', 'INV2039-000001'],
      ['e-2', 'INV2039-000002'],
      ['e-3', 'INV2039-000004'],
      ['e-4', 'INV2039-000005'],
    ]);
    expect((await numbersOf(other)).map((r) => r.number_text)).toEqual(['INV2039-000003']);
    const events = await pool.query(
      `select payload->>'number' as number from billing_outbox where payload->>'documentId' like $1 order by id`,
      [`d-${run}%`],
    );
    expect(events.rows.map((r) => r.number)).toEqual(['INV2039-000001', 'INV2039-000002', 'INV2039-000004', 'INV2039-000005']);
    const series = await pool.query(`select next_number from number_series where id = 'INVOICE|le-1|2039'`);
    expect(series.rows[0].next_number).toBe('6');
  });

  it('rolls back the block opened behind one that stops, ledger postings included', async () => {
    const run = uniqueId('run');
    const accounts = ['f-1', 'f-2', 'f-3', 'f-4'];
    await store.writeDrafts(
      accounts.map((a) => draft(run, a, 100n)),
      NOW,
    );
    // The executor's progress callback throws when the run is aborted: after the first block, the second is open.
    await expect(
      finalizer.finalize(
        { runId: run },
        {
          ...options,
          issueDate: '2040-11-30',
          blockSize: 2,
          onBlock: () => {
            throw new Error('aborted');
          },
        },
      ),
    ).rejects.toThrow('aborted');
    expect((await numbersOf(run)).map((r) => [r.account_id, r.status])).toEqual([
      ['f-1', 'ISSUED'],
      ['f-2', 'ISSUED'],
      ['f-3', 'DRAFT'],
      ['f-4', 'DRAFT'],
    ]);
    const posted = await pool.query(`select source_id from ledger_transaction where source_id like $1 order by 1`, [`d-${run}%`]);
    expect(posted.rows.map((r) => r.source_id)).toEqual([draft(run, 'f-1', 0n).id, draft(run, 'f-2', 0n).id]);
    await finalizer.finalize({ runId: run }, { ...options, issueDate: '2040-11-30', blockSize: 2 });
    expect((await numbersOf(run)).map((r) => r.number_text)).toEqual(accounts.map((_, i) => `INV2040-${String(i + 1).padStart(6, '0')}`));
    const after = await pool.query(`select count(*)::int as n from ledger_transaction where source_id like $1`, [`d-${run}%`]);
    expect(after.rows[0].n).toBe(4);
  });

  it('never gives a number twice or skips one when two finalizers run at once', async () => {
    const run = uniqueId('run');
    await store.writeDrafts(
      Array.from({ length: 300 }, (_, i) => draft(run, `c-${String(i).padStart(3, '0')}`, 10n)),
      NOW,
    );
    const both = await Promise.all([
      finalizer.finalize({ runId: run }, { ...options, issueDate: '2034-11-30', blockSize: 7 }),
      finalizer.finalize({ runId: run }, { ...options, issueDate: '2034-11-30', blockSize: 11 }),
    ]);
    expect(both[0].issued + both[1].issued).toBe(300);
    const numbers = (await numbersOf(run)).map((r) => r.number_text);
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, i) => `INV2034-${String(i + 1).padStart(6, '0')}`));
  });

  it('keeps one series per type, legal entity and year: numbers restart with a new year', async () => {
    const [r1, r2] = [uniqueId('run'), uniqueId('run')];
    await store.writeDrafts([draft(r1, 'y-1', 1n), draft(r1, 'y-2', 1n, { legalEntityId: 'le-2' })], NOW);
    await store.writeDrafts([draft(r2, 'y-1', 1n)], NOW);
    await finalizer.finalize({ runId: r1 }, { ...options, issueDate: '2035-12-31' });
    await finalizer.finalize({ runId: r2 }, { ...options, issueDate: '2036-01-31' });
    const all = (
      await pool.query(
        `select run_id, legal_entity_id, number_text from billing_document where run_id = any($1) order by run_id, legal_entity_id`,
        [[r1, r2]],
      )
    ).rows.map((r) => [r.run_id === r1 ? 'r1' : 'r2', r.legal_entity_id, r.number_text]);
    expect(all.sort()).toEqual(
      [
        ['r1', 'le-1', 'INV2035-000001'],
        ['r1', 'le-2', 'INV2035-000001'],
        ['r2', 'le-1', 'INV2036-000001'],
      ].sort(),
    );
  });

  it("numbers a legal entity's documents in its own series, under its prefix", async () => {
    await pool.query(
      `insert into legal_entity (id, name, address, vat_id, iban, number_series_prefix, created_at, updated_at)
       values ('le-acme', 'ACME Telecom', '1 rue de la Paix, Paris', 'FR40303265045', 'FR7630006000011234567890189', 'ACME', $1, $1)`,
      [new Date(NOW)],
    );
    const run = uniqueId('run');
    await store.writeDrafts(
      [draft(run, 'p-1', 1n, { legalEntityId: 'le-acme' }), draft(run, 'p-2', 1n, { legalEntityId: 'le-acme' })],
      NOW,
    );
    await finalizer.finalize({ runId: run }, { ...options, issueDate: '2038-03-31' });
    expect((await numbersOf(run)).map((r) => r.number_text)).toEqual(['ACME-INV2038-000001', 'ACME-INV2038-000002']);
  });

  describe('what the database refuses', () => {
    let issued: string;
    beforeAll(async () => {
      const run = uniqueId('run');
      await store.writeDrafts([draft(run, 'z-1', 10_000n)], NOW);
      await finalizer.finalize({ runId: run }, { ...options, issueDate: '2037-11-30' });
      issued = (await pool.query(`select id from billing_document where run_id = $1`, [run])).rows[0].id;
    });

    it.each([
      ['a change of its amounts', `update billing_document set net_minor = 1, gross_minor = 201 where id = $1`],
      ['a change of its number', `update billing_document set number_text = 'X' where id = $1`],
      ['a field that was empty given a value', `update billing_document set corrects_document_id = id where id = $1`],
      ['a change of its hold reasons', `update billing_document set hold_reasons = '["X"]'::jsonb, paid_minor = 1 where id = $1`],
      ['a return to DRAFT', `update billing_document set status = 'DRAFT', number = null, series_id = null where id = $1`],
      ['a delete', `delete from billing_document where id = $1`],
      [
        'a new line',
        `insert into billing_document_line select document_id, 99, null, kind, description, quantity, unit, unit_price_minor,
        amount_minor, discount_minor, tax_category, tax_rate, period_start, period_end, subscription_id, charge_id, usage_key, discount_id,
        late, reason from billing_document_line where document_id = $1 and line_no = 1`,
      ],
      ['a changed line', `update billing_document_line set amount_minor = 1 where document_id = $1`],
      ['a changed tax row', `update billing_document_tax set tax_minor = 1 where document_id = $1`],
    ])('refuses %s of an issued document', async (_what, statement) => {
      await expect(pool.query(statement, [issued])).rejects.toThrow(/never/);
    });

    it('lets its status and paid amount move on', async () => {
      await pool.query(`update billing_document set status = 'PARTIALLY_PAID', paid_minor = 5000 where id = $1`, [issued]);
      expect((await pool.query(`select status, paid_minor from billing_document where id = $1`, [issued])).rows[0]).toEqual({
        status: 'PARTIALLY_PAID',
        paid_minor: '5000',
      });
    });

    it('refuses postings that do not balance or name no ledger transaction, and any change of a posted one', async () => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query(`insert into ledger_transaction values ('lt-x', 'k-x', 'TEST', 's', 'EUR', '2037-01-01', now())`);
        // Checked per statement: legs balancing only over two statements are refused at the first.
        await c.query('savepoint s');
        await expect(
          c.query(`insert into ledger_posting values ('lt-x', 1, 'AR', 'z-1', 100), ('lt-x', 2, 'REVENUE', null, -99)`),
        ).rejects.toMatchObject({
          code: 'P0001',
          message: expect.stringMatching(/ledger transaction lt-x does not balance: its postings sum to 1/),
        });
        await c.query('rollback to savepoint s');
        await expect(c.query(`insert into ledger_posting values ('lt-x', 1, 'AR', 'z-1', 100)`)).rejects.toThrow(/sum to 100/);
        await c.query('rollback to savepoint s');
        await expect(
          c.query(`insert into ledger_posting values ('lt-none', 1, 'AR', 'z-1', 100), ('lt-none', 2, 'REVENUE', null, -100)`),
        ).rejects.toMatchObject({
          code: '23503',
          detail: expect.stringContaining('lt-none'),
        });
        await c.query('rollback to savepoint s');
        // Balanced legs, and later more legs that balance among themselves, are taken.
        await c.query(`insert into ledger_posting values ('lt-x', 1, 'AR', 'z-1', 100), ('lt-x', 2, 'REVENUE', null, -100)`);
        await c.query(`insert into ledger_posting values ('lt-x', 3, 'AR', 'z-1', 7), ('lt-x', 4, 'TAX_PAYABLE', null, -7)`);
        await c.query('rollback');
      } finally {
        c.release();
      }
      expect(
        (await pool.query(`select count(*)::int as n from ledger_posting where transaction_id in ('lt-x', 'lt-none')`)).rows[0].n,
      ).toBe(0);
      await expect(
        pool.query(`update ledger_posting set amount_minor = 1 where account_code = 'AR' and party_account_id = 'z-1'`),
      ).rejects.toThrow(/append-only/);
      await expect(pool.query(`delete from ledger_transaction where source_id = $1`, [issued])).rejects.toThrow(/append-only/);
    });

    it('refuses credit notes above what is left to credit of the invoice', async () => {
      const note = (id: string, grossMinor: bigint): DraftDocument => ({
        ...draft('notes', id, grossMinor),
        id,
        idempotencyKey: id,
        type: 'CREDIT_NOTE',
        correctsDocumentId: issued,
        creditKind: 'ACCOUNT_CREDIT',
        netMinor: grossMinor,
        taxMinor: 0n,
        grossMinor,
        taxes: [],
        lines: [],
      });
      // The invoice is 12,000: 7,000 then 5,000 credit it in full; one more minor unit is refused, and nothing of that write stays.
      await store.writeDrafts([note('cn-1', 7_000n)], NOW);
      await store.writeDrafts([note('cn-2', 5_000n)], NOW);
      await expect(store.writeDrafts([note('cn-3', 1n)], NOW)).rejects.toThrow(/would credit 12001 of its 12000/);
      expect((await pool.query(`select count(*)::int as n from billing_document where id = 'cn-3'`)).rows[0].n).toBe(0);
    });
  });
  describe('references of lines and tax rows (statement-level, Migration20261203002600)', () => {
    const child = (docId: string, lineNo: number, parent: number | null) =>
      pool.query(
        `insert into billing_document_line (document_id, line_no, parent_line_no, kind, description, quantity, unit, unit_price_minor,
           amount_minor, tax_category, tax_rate)
         values ($1, $2, $3, 'USAGE', 'x', 1, 'EACH', 0, 0, 'STANDARD', 0.2)`,
        [docId, lineNo, parent],
      );
    let doc: string;
    beforeAll(async () => {
      const run = uniqueId('refs');
      await store.writeDrafts([draft(run, 'r-1', 1_000n)], NOW);
      doc = (await pool.query(`select id from billing_document where run_id = $1`, [run])).rows[0].id;
    });

    it('refuses a line or a tax row of a document that does not exist (23503), writing nothing', async () => {
      await expect(child('no-such-doc', 1, null)).rejects.toMatchObject({ code: '23503', detail: expect.stringContaining('no-such-doc') });
      await expect(
        pool.query(
          `insert into billing_document_tax (document_id, tax_category, tax_rate, taxable_minor, tax_minor) values ('no-such-doc', 'STANDARD', 0.2, 1, 0)`,
        ),
      ).rejects.toMatchObject({ code: '23503' });
      await expect(
        pool.query(`update billing_document_line set document_id = 'no-such-doc' where document_id = $1`, [doc]),
      ).rejects.toMatchObject({
        code: '23503',
      });
      expect((await pool.query(`select count(*)::int as n from billing_document_line where document_id = 'no-such-doc'`)).rows[0].n).toBe(
        0,
      );
    });

    it('refuses a line whose parent line is missing, accepts one whose parent exists', async () => {
      await expect(child(doc, 7, 6)).rejects.toMatchObject({ code: '23503', detail: expect.stringContaining('parent line 6') });
      await child(doc, 2, 1);
      expect(
        (await pool.query(`select line_no, parent_line_no from billing_document_line where document_id = $1 order by 1`, [doc])).rows,
      ).toEqual([
        { line_no: 1, parent_line_no: null },
        { line_no: 2, parent_line_no: 1 },
      ]);
    });

    it('finds parents among the statement own rows first, and still refuses a line whose parent is nowhere', async () => {
      const lines = (rows: Array<[number, number | null]>) =>
        pool.query(
          `insert into billing_document_line (document_id, line_no, parent_line_no, kind, description, quantity, unit, unit_price_minor,
             amount_minor, tax_category, tax_rate)
           select $1, n, p, 'USAGE', 'x', 1, 'EACH', 0, 0, 'STANDARD', 0.2 from unnest($2::int[], $3::int[]) as t(n, p)`,
          [doc, rows.map((r) => r[0]), rows.map((r) => r[1])],
        );
      await expect(
        lines([
          [20, null],
          [21, 20],
          [22, 29],
        ]),
      ).rejects.toMatchObject({ code: '23503', detail: expect.stringContaining('parent line 29') });
      await lines([
        [20, null],
        [21, 20],
        [22, 21],
      ]);
      await pool.query(`delete from billing_document_line where document_id = $1 and line_no >= 20`, [doc]);
    });

    it('refuses deleting a parent line while a child remains, allows deleting both', async () => {
      await expect(pool.query(`delete from billing_document_line where document_id = $1 and line_no = 1`, [doc])).rejects.toMatchObject({
        code: '23503',
      });
      await child(doc, 3, 2);
      await pool.query(`delete from billing_document_line where document_id = $1 and line_no in (2, 3)`, [doc]);
      expect((await pool.query(`select count(*)::int as n from billing_document_line where document_id = $1`, [doc])).rows[0].n).toBe(1);
    });

    it('deletes the lines and tax rows of a deleted draft (cascade)', async () => {
      await pool.query(`delete from billing_document where id = $1`, [doc]);
      for (const table of ['billing_document_line', 'billing_document_tax'])
        expect([table, (await pool.query(`select count(*)::int as n from ${table} where document_id = $1`, [doc])).rows[0].n]).toEqual([
          table,
          0,
        ]);
    });
  });
});

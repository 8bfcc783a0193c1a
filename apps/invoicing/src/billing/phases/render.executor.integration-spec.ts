/**
 * RENDER on a real PostgreSQL: issued documents (drafts written and finalized as a run does) get a
 * PDF and a UBL rendition in the document store; the stored UBL passes the UBL 2.1 XSD (xmllint) and
 * the EN 16931 Schematron (Saxon). A document whose customer has no billing address gets a SKIPPED
 * UBL row with its reason (and its PDF); once the address is there, a later RENDER renders it; a
 * RENDER with nothing to do changes no row and no file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { createLogger, FakeClock } from '@app/observability';
import { fatalRules, ublSchemaOf, xsdErrors } from '../einvoice/testing/ubl-validators';
import type { DraftDocument, DraftLine } from '../documents/document-types';
import { Finalizer } from '../documents/finalize';
import { PgDocumentStore } from '../documents/pg-document-store';
import { FsDocumentStore } from '../render/document-store';
import type { StepContext } from '../run/run-worker';
import { seedPostpaidAccounts } from '../testing/billing-fixtures';
import { RenderExecutor } from './render.executor';

const RUN = 'run-render';
const PERIOD = { periodStart: '2026-11-01', periodEnd: '2026-12-01' };

function line(lineNo: number, over: Partial<DraftLine>): DraftLine {
  return {
    lineNo,
    parentLineNo: 1,
    kind: 'RECURRING',
    description: 'Mobile M monthly fee',
    quantity: '1',
    unit: 'MONTHLY',
    unitPriceMinor: '2500',
    amountMinor: 2500n,
    discountMinor: 0n,
    taxCategory: 'STANDARD',
    taxRate: '0.21',
    ...PERIOD,
    subscriptionId: 'sub-1',
    chargeId: null,
    usageKey: null,
    discountId: null,
    late: false,
    reason: null,
    ...over,
  };
}

/**
 * An invoice as COMPUTE writes one: a subscription heading (no amount of its own) over a fee, data usage at a fraction of a cent per byte and a discount; an account-level
 * reduced-rate item. 21 %: 3049 -> 640.29 -> 640; 9 %: 999 -> 89.91 -> 90.
 */
function invoice(accountId: string): DraftDocument {
  const lines = [
    line(1, { parentLineNo: null, kind: 'SUBSCRIPTION', description: 'Mobile M', unit: 'SUBSCRIPTION', unitPriceMinor: '0' }),
    line(2, {}),
    line(3, {
      kind: 'USAGE',
      description: 'Data, national',
      quantity: '1048576',
      unit: 'BYTES',
      unitPriceMinor: '0.001',
      amountMinor: 1049n,
    }),
    line(4, { kind: 'DISCOUNT', description: 'Loyalty discount', unit: 'EA', unitPriceMinor: '-500', amountMinor: -500n }),
    line(5, { parentLineNo: null, kind: 'ONE_TIME', description: 'E-book', unit: 'EA', unitPriceMinor: '999', amountMinor: 999n }),
  ];
  lines[0] = { ...lines[0], amountMinor: 0n, taxCategory: 'NONE', taxRate: '0' };
  lines[4] = { ...lines[4], taxCategory: 'REDUCED', taxRate: '0.09', subscriptionId: null };
  return {
    id: `doc-${accountId}`,
    idempotencyKey: `${RUN}|${accountId}|INVOICE`,
    accountId,
    cycleId: null,
    runId: RUN,
    type: 'INVOICE',
    legalEntityId: 'le-nl',
    currency: 'EUR',
    netMinor: 4048n,
    taxMinor: 730n,
    grossMinor: 4778n,
    usageMinor: 1049n,
    paymentTermsDays: 14,
    ...PERIOD,
    correctsDocumentId: null,
    creditKind: null,
    lines,
    taxes: [
      { taxCategory: 'REDUCED', taxRate: '0.09', taxableMinor: 999n, taxMinor: 90n },
      { taxCategory: 'STANDARD', taxRate: '0.21', taxableMinor: 3049n, taxMinor: 640n },
    ],
  };
}

/** A negative invoice turned credit note: it stands alone (no invoice to reference). */
function creditNote(accountId: string): DraftDocument {
  const refund = line(1, { parentLineNo: null, kind: 'CORRECTION', description: 'Outage credit', unit: 'EA', unitPriceMinor: '1000' });
  return {
    ...invoice(accountId),
    idempotencyKey: `${RUN}|${accountId}|CREDIT_NOTE`,
    type: 'CREDIT_NOTE',
    netMinor: 1000n,
    taxMinor: 210n,
    grossMinor: 1210n,
    usageMinor: 0n,
    lines: [{ ...refund, amountMinor: 1000n, subscriptionId: null }],
    taxes: [{ taxCategory: 'STANDARD', taxRate: '0.21', taxableMinor: 1000n, taxMinor: 210n }],
  };
}

describe('RENDER (PostgreSQL): PDF and UBL renditions', () => {
  let pool: Pool;
  let root: string;
  const clock = new FakeClock(Date.UTC(2026, 11, 1, 3, 0, 0));

  beforeAll(async () => {
    const url = await createTestDatabase('render');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 4 });
    root = mkdtempSync(join(tmpdir(), 'ratel-render-'));
    const at = new Date(clock.nowMs());
    await seedPostpaidAccounts(pool, { accounts: 3, prefix: 'r-', pad: 1, at });
    await pool.query(
      `insert into legal_entity (id, name, address, vat_id, iban, number_series_prefix, postal_street, postal_city, postal_code,
         postal_country_code, created_at, updated_at)
       values ('le-nl', 'Ratel Telecom B.V.', 'Stationsplein 1\n3511 ED Utrecht', 'NL123456789B01', 'NL91ABNA0417164300', 'RTL-NL',
         'Stationsplein 1', 'Utrecht', '3511 ED', 'NL', $1, $1)`,
      [at],
    );
    // r-0 and r-1 have a bill-to address; r-2 has none yet.
    await pool.query(
      `update billing_account set billing_street = 'Kerkstraat 12', billing_additional_street = '2nd floor', billing_city = 'Amsterdam',
         billing_postal_code = '1017 GL', billing_country_code = 'NL' where id in ('r-0', 'r-1')`,
    );
    await pool.query(
      `insert into billing_run (id, cycle_id, shard_count, status, created_at, updated_at) values ($1, 'c', 1, 'RUNNING', $2, $2)`,
      [RUN, at],
    );
    await pool.query(
      `insert into billing_run_account (run_id, account_id, shard_index) values ($1, 'r-0', 0), ($1, 'r-1', 0), ($1, 'r-2', 0)`,
      [RUN],
    );
    await new PgDocumentStore(pool).writeDrafts([invoice('r-0'), creditNote('r-1'), invoice('r-2')], clock.nowMs());
    await new Finalizer(pool).finalize({ runId: RUN }, { issueDate: '2026-12-01', nowMs: clock.nowMs() });
  });
  afterAll(async () => {
    await pool?.end();
    rmSync(root, { recursive: true, force: true });
  });

  const render = () =>
    new RenderExecutor({ pool, clock, logger: createLogger('render-spec', 'silent') }, new FsDocumentStore(root)).execute({
      run: { id: RUN },
      step: { runId: RUN, phase: 'RENDER', shardIndex: 0 },
      progress: async () => undefined,
      signal: new AbortController().signal,
    } as unknown as StepContext);
  const renditions = async () =>
    (
      await pool.query(
        `select d.account_id, r.kind, r.status, r.storage_key, r.sha256, r.bytes, r.skip_code, r.skip_reason, r.created_at
         from billing_rendition r join billing_document d on d.id = r.document_id order by d.account_id, r.kind`,
      )
    ).rows;
  const ublOf = async (accountId: string) => {
    const row = (await renditions()).find((r) => r.account_id === accountId && r.kind === 'UBL');
    const file = join(root, row.storage_key);
    const bytes = readFileSync(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.sha256);
    expect(bytes.length).toBe(row.bytes);
    return { file, xml: bytes.toString('utf8') };
  };

  it('renders a PDF for every document, a valid UBL where the parties have addresses, and records why not where they have none', async () => {
    await render();
    const rows = await renditions();
    expect(rows.map((r) => [r.account_id, r.kind, r.status, r.skip_code])).toEqual([
      ['r-0', 'PDF', 'RENDERED', null],
      ['r-0', 'UBL', 'RENDERED', null],
      ['r-1', 'PDF', 'RENDERED', null],
      ['r-1', 'UBL', 'RENDERED', null],
      ['r-2', 'PDF', 'RENDERED', null],
      ['r-2', 'UBL', 'SKIPPED', 'CUSTOMER_ADDRESS_MISSING'],
    ]);
    expect(rows[5]).toMatchObject({
      storage_key: null,
      sha256: null,
      bytes: null,
      skip_reason: 'billing account r-2 has no billing address',
    });

    for (const account of ['r-0', 'r-1']) {
      const { file, xml } = await ublOf(account);
      expect([account, xsdErrors(file, ublSchemaOf(xml))]).toEqual([account, null]);
      expect([account, fatalRules(file)]).toEqual([account, []]);
    }
    const { xml } = await ublOf('r-0');
    expect(xml).toContain('<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>');
    // The period is end-exclusive in the database, inclusive in UBL.
    expect(xml).toContain('<cac:InvoicePeriod><cbc:StartDate>2026-11-01</cbc:StartDate><cbc:EndDate>2026-11-30</cbc:EndDate>');
    // The heading (line 1) is no UBL line; the discount has a positive price and a negative quantity.
    expect(xml.match(/<cac:InvoiceLine>/g)).toHaveLength(4);
    expect(xml).toContain(
      '<cbc:ID>4</cbc:ID><cbc:InvoicedQuantity unitCode="C62">-1</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">-5.00</cbc:LineExtensionAmount>',
    );
    expect(xml).toContain('<cbc:InvoicedQuantity unitCode="AD">1048576</cbc:InvoicedQuantity>');
    expect(xml).toContain('<cbc:PriceAmount currencyID="EUR">0.00001</cbc:PriceAmount>');
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">47.78</cbc:PayableAmount>');
    expect((await ublOf('r-1')).xml).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
  });

  it('changes nothing when run again, and renders the skipped UBL once the address is there', async () => {
    const before = await renditions();
    const files = await Promise.all(['r-0', 'r-1'].map(async (a) => (await ublOf(a)).xml));
    clock.advance(60_000);
    await render();
    expect(await renditions()).toEqual(before);
    expect(await Promise.all(['r-0', 'r-1'].map(async (a) => (await ublOf(a)).xml))).toEqual(files);

    await pool.query(
      `update billing_account set billing_street = 'Dorpsstraat 1', billing_city = 'Zwolle', billing_country_code = 'NL' where id = 'r-2'`,
    );
    clock.advance(60_000);
    await render();
    const after = await renditions();
    expect(after.filter((r) => r.account_id !== 'r-2' || r.kind === 'PDF')).toEqual(
      before.filter((r) => r.account_id !== 'r-2' || r.kind === 'PDF'),
    );
    const { file, xml } = await ublOf('r-2');
    expect(after.find((r) => r.account_id === 'r-2' && r.kind === 'UBL')).toMatchObject({
      status: 'RENDERED',
      skip_code: null,
      skip_reason: null,
    });
    expect(xml).toContain('<cbc:CityName>Zwolle</cbc:CityName><cac:Country>');
    expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
  });
});

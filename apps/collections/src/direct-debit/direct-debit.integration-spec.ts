/**
 * SEPA direct debit against real PostgreSQL: mandates, a run whose pain.008 passes the ISO XSD
 * (xmllint), settlement, and returns with their actions (AM04 re-presented once then dunning, MD01
 * stops the mandate), each return reversing exactly its payment's allocations; the ledger checks
 * hold after every step; every step again changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { LedgerChecks } from '../ledger/ledger-checks';
import { CollectionsError } from '../payments/collections-error';
import { seedReceivables } from '../testing/receivables-fixtures';
import { Dunning } from '../dunning/dunning';
import { PaymentApplier } from '../matching/apply-payment';
import { DirectDebit } from './direct-debit';

const XSD = join(__dirname, 'schemas', 'pain.008.001.02.xsd');
const CREDITOR = { name: 'Ratel Telecom GmbH', iban: 'DE89370400440532013000', creditorId: 'DE98ZZZ09999999999' };
const NOW = Date.UTC(2026, 11, 3, 8);
let pool: Pool;
let dir: string;
let dd: DirectDebit;
const evaluated: unknown[] = [];

const docs = async () =>
  Object.fromEntries(
    (await pool.query<{ id: string; s: string }>(`select id, status || ' ' || paid_minor as s from billing_document order by id`)).rows.map(
      (r) => [r.id, r.s],
    ),
  );
const ledgerOk = async () => (await new LedgerChecks(pool).run({ nowMs: NOW })).ok;
const instructions = async (date: string) =>
  (
    await pool.query<{ id: string; document_id: string; presentation: number; sequence: string; status: string }>(
      `select i.id, i.document_id, i.presentation, i.sequence, i.status from dd_instruction i join dd_run r on r.id = i.run_id
       where r.collection_date = $1 order by i.document_id`,
      [date],
    )
  ).rows;

function pain002(returns: Array<[string, string]>): string {
  const tx = returns
    .map(
      ([e2e, code]) =>
        `<TxInfAndSts><OrgnlEndToEndId>${e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>${code}</Cd></Rsn></StsRsnInf></TxInfAndSts>`,
    )
    .join('');
  return `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>R1</MsgId></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId>${tx}<TxInfAndSts><OrgnlEndToEndId>ACCEPTED</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-dd-'));
  const url = await createTestDatabase('ddebit');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-2', grossMinor: 5050n, issueDate: '2026-11-01' },
      { n: 3, accountId: 'acc-3', grossMinor: 700n, issueDate: '2026-11-01' },
      { n: 4, accountId: 'acc-1', grossMinor: 999n, issueDate: '2026-12-20' },
    ],
    at: new Date(Date.UTC(2026, 10, 1)),
  });
  // Dunning without charging's barring: evaluated as of 2026-11-19 (doc-1 fell due on 2026-11-15), when only the
  // D+3 reminder is due (a bar step would need CHARGING_API_URL).
  const dunning = new Dunning(pool, undefined);
  dd = new DirectDebit(pool, CREDITOR, new PaymentApplier(pool), async (accountId) => {
    evaluated.push(await dunning.evaluateAccount(accountId, '2026-11-19', NOW));
  });
});

afterAll(async () => {
  await pool?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('SEPA direct debit', () => {
  it('keeps mandates: IBAN checked, a replay is the same mandate, bad input refused naming the field and changing nothing', async () => {
    const m1 = await dd.createMandate(
      { mandateId: 'MNDT-1', accountId: 'acc-1', debtorName: 'Jörg Müller', iban: 'FR7630006000011234567890189', signedOn: '2026-01-15' },
      NOW,
    );
    expect(m1).toMatchObject({ mandateId: 'MNDT-1', sequence: 'FRST', status: 'ACTIVE' });
    expect(
      await dd.createMandate(
        { mandateId: 'MNDT-1', accountId: 'acc-1', debtorName: 'Jörg Müller', iban: 'FR7630006000011234567890189', signedOn: '2026-01-15' },
        NOW,
      ),
    ).toEqual(m1);
    await dd.createMandate(
      { mandateId: 'MNDT-2', accountId: 'acc-2', debtorName: 'B', iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', signedOn: '2026-02-01' },
      NOW,
    );
    const good = { mandateId: 'MNDT-X', accountId: 'acc-3', debtorName: 'C', iban: 'DE89370400440532013000', signedOn: '2026-02-01' };
    for (const [over, parameter] of [
      [{ iban: 'DE89370400440532013001' }, 'iban'],
      [{ iban: 'DE8937040044053201300' }, 'iban'],
      [{ mandateId: 'M#1' }, 'mandateId'],
      [{ mandateId: 'x'.repeat(36) }, 'mandateId'],
      [{ bic: 'ABN' }, 'bic'],
      [{ signedOn: '2026-02-30' }, 'signedOn'],
      [{ signedOn: '2027-01-01' }, 'signedOn'],
      [{ debtorName: ' ' }, 'debtorName'],
      [{ mandateId: 'MNDT-1' }, 'mandateId'],
    ] as const) {
      const e = await dd.createMandate({ ...good, ...over }, NOW).catch((x: unknown) => x);
      expect([over, (e as CollectionsError).details?.parameter]).toEqual([over, parameter]);
    }
    expect((await pool.query(`select count(*)::int as n from sepa_mandate`)).rows[0].n).toBe(2);
  });

  it('makes one run per collection date with a pain.008 the XSD accepts; again, the same run and bytes', async () => {
    const run = await dd.run('2026-12-05', { createdBy: 'spec', nowMs: NOW });
    // doc-1 (acc-1) and doc-2 (acc-2) are due by then; doc-3's account has no mandate; doc-4 is not due yet.
    expect(run).toMatchObject({ created: true, instructions: 2, totalMinor: '17050', byStatus: { PENDING: 2 } });
    const xml = (await dd.runFile('2026-12-05'))!;
    const file = join(dir, 'run.xml');
    writeFileSync(file, xml);
    expect(execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' }).toString()).toBe('');
    expect(xml).toContain('<SeqTp>FRST</SeqTp>');
    expect(xml).toContain('<Nm>Jorg Muller</Nm>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">120.00</InstdAmt>');
    const again = await dd.run('2026-12-05', { createdBy: 'spec', nowMs: NOW + 60_000 });
    expect({ ...again, created: undefined }).toEqual({ ...run, created: undefined });
    expect(again.created).toBe(false);
    expect(await dd.runFile('2026-12-05')).toBe(xml);
    expect(await dd.run('2026-12-06', { createdBy: 'spec', nowMs: NOW })).toMatchObject({
      created: true,
      instructions: 0,
      fileSha256: null,
    });
  });

  it('settles the run: each debit a payment on its document, the mandates recurring; settling again changes nothing', async () => {
    expect(await dd.settle('2026-12-05', { nowMs: NOW })).toEqual({ settled: 2 });
    expect(await docs()).toMatchObject({ 'doc-1': 'PAID 12000', 'doc-2': 'PAID 5050' });
    expect(await dd.settle('2026-12-05', { nowMs: NOW })).toEqual({ settled: 0 });
    expect((await pool.query(`select count(*)::int as n from payment where channel = 'DIRECT_DEBIT'`)).rows[0].n).toBe(2);
    expect((await dd.listMandates('acc-1'))[0].sequence).toBe('RCUR');
    expect(await ledgerOk()).toBe(true);
  });

  it('takes returns: AM04 reverses the payment and re-presents once, MD01 stops the mandate; the same file again changes nothing', async () => {
    const [i1, i2] = await instructions('2026-12-05');
    const file = pain002([
      [i1.id, 'AM04'],
      [i2.id, 'MD01'],
    ]);
    const out = await dd.importReturns(file, { nowMs: NOW });
    expect(out).toMatchObject({
      format: 'PAIN_002',
      returns: 2,
      duplicates: 0,
      unknown: [],
      actions: [
        { endToEndId: i1.id, reasonCode: 'AM04', action: 'REPRESENT' },
        { endToEndId: i2.id, reasonCode: 'MD01', action: 'STOP_MANDATE' },
      ],
    });
    expect(out.skipped).toEqual([{ line: expect.any(Number), reason: 'no return reason (status ACCP)' }]);
    expect(await docs()).toMatchObject({ 'doc-1': 'ISSUED 0', 'doc-2': 'ISSUED 0' });
    expect(
      (await pool.query(`select status, returned_minor::text from payment where channel = 'DIRECT_DEBIT' order by amount_minor`)).rows,
    ).toEqual([
      { status: 'RETURNED', returned_minor: '5050' },
      { status: 'RETURNED', returned_minor: '12000' },
    ]);
    expect((await dd.listMandates('acc-2'))[0]).toMatchObject({ status: 'STOPPED', statusReason: `return MD01 of ${i2.id}` });
    expect(await ledgerOk()).toBe(true);
    const before = await docs();
    expect(await dd.importReturns(file, { nowMs: NOW })).toMatchObject({ returns: 0, duplicates: 2 });
    expect(await docs()).toEqual(before);
    expect((await dd.importReturns(pain002([['DDUNKNOWN', 'AM04']]), { nowMs: NOW })).unknown).toEqual([
      { endToEndId: 'DDUNKNOWN', line: expect.any(Number) },
    ]);
  });

  it('presents the AM04 debit once more in the next run (not the stopped mandate), and a second AM04 goes to dunning', async () => {
    await dd.run('2027-01-05', { createdBy: 'spec', nowMs: NOW });
    const next = await instructions('2027-01-05');
    // doc-1 again (presentation 2; a first debit again: the first one came back), doc-4 now due; acc-2's mandate is stopped.
    expect(next.map((i) => [i.document_id, i.presentation, i.sequence])).toEqual([
      ['doc-1', 2, 'FRST'],
      ['doc-4', 1, 'FRST'],
    ]);
    await dd.settle('2027-01-05', { nowMs: NOW });
    const out = await dd.importReturns(pain002([[next[0].id, 'AM04']]), { nowMs: NOW });
    expect(out.actions).toEqual([{ endToEndId: next[0].id, reasonCode: 'AM04', action: 'DUNNING' }]);
    expect(await docs()).toMatchObject({ 'doc-1': 'ISSUED 0', 'doc-4': 'PAID 999' });
    expect((await dd.openReturns()).map((r) => [r.documentId, r.reasonCode, r.action])).toEqual([['doc-1', 'AM04', 'DUNNING']]);
    // The return opened acc-1's dunning at once: its case, with the reminder taken.
    expect(evaluated).toEqual([expect.objectContaining({ accountId: 'acc-1', overdueMinor: '12000', stepsTaken: [expect.anything()] })]);
    const cases = await pool.query(
      `select c.status, array_agg(a.step_no order by a.step_no) as steps from dunning_case c join dunning_action a on a.case_id = c.id
       where c.account_id = 'acc-1' group by c.id, c.status`,
    );
    expect(cases.rows).toEqual([{ status: 'OPEN', steps: [1] }]);
    // Nothing presents doc-1 a third time.
    await dd.run('2027-02-05', { createdBy: 'spec', nowMs: NOW });
    expect(await instructions('2027-02-05')).toEqual([]);
    expect(await ledgerOk()).toBe(true);
  });
});

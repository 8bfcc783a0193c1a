/**
 * Bench fixtures of collections (never production): N postpaid accounts `acc-<i>` with one issued invoice
 * `doc-<i>` each (number, RF payment reference, due 2026-11-15) and its DOCUMENT_ISSUED ledger
 * transaction, written in chunks with set-based SQL.
 */
import { createWriteStream } from 'node:fs';
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import { creditorReference, minorToDecimal } from '@app/money';

const SEED_CHUNK = 20_000;
const SERIES = 'INVOICE|le-1|2026';

export const numberText = (n: number) => `INV2026-${String(n).padStart(7, '0')}`;
export const grossOf = (n: number) => 1_000n + BigInt((n * 7919) % 90_000);

export async function seedInvoices(pool: Pool, n: number, at: Date): Promise<void> {
  await withTransaction(pool, async (c) => {
    await c.query(`insert into product (id, name, created_at) values ('p', 'P', $1)`, [at]);
    await c.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp', 'p', 'P', 'EUR', 1, $1, $1)`,
      [at],
    );
    await c.query(`insert into customer (id, name, created_at, updated_at) values ('cu', 'Customer', $1, $1)`, [at]);
    await c.query(
      `insert into number_series (id, document_type, legal_entity_id, year, prefix, next_number) values ($1, 'INVOICE', 'le-1', 2026, 'INV', $2)`,
      [SERIES, n + 1],
    );
  });
  for (let from = 1; from <= n; from += SEED_CHUNK) {
    const to = Math.min(n, from + SEED_CHUNK - 1);
    const ns = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    await withTransaction(pool, async (c) => {
      await c.query(
        `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, created_at, updated_at)
         select 'acc-' || i, 'cu', 'POSTPAID', 'EUR', 'UTC', 1, 'pp', $2, $2 from unnest($1::int[]) i`,
        [ns, at],
      );
      await c.query(
        `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, series_id, number, number_text, currency,
           net_minor, tax_minor, gross_minor, issue_date, due_date, payment_reference, created_at, updated_at, issued_at)
         select 'doc-' || i, 'doc-' || i, 'acc-' || i, 'INVOICE', 'ISSUED', 'le-1', $5, i, t, 'EUR', g, 0, g, '2026-11-01', '2026-11-15', r, $4, $4, $4
         from unnest($1::int[], $2::text[], $3::bigint[], $6::text[]) as u(i, t, g, r)`,
        [
          ns,
          ns.map(numberText),
          ns.map((i) => grossOf(i).toString()),
          at,
          SERIES,
          ns.map((i) => creditorReference(numberText(i).replace('-', ''))),
        ],
      );
      await c.query(
        `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at)
         select 'lt-doc-' || i, 'doc-issued|doc-' || i, 'DOCUMENT_ISSUED', 'doc-' || i, 'EUR', '2026-11-01', $2 from unnest($1::int[]) i`,
        [ns, at],
      );
      await c.query(
        `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
         select 'lt-doc-' || i, 1, 'AR', 'acc-' || i, g from unnest($1::int[], $2::bigint[]) as u(i, g)
         union all select 'lt-doc-' || i, 2, 'REVENUE', null, -g from unnest($1::int[], $2::bigint[]) as u(i, g)`,
        [ns, ns.map((i) => grossOf(i).toString())],
      );
    });
  }
}

/**
 * The camt.053 file of `n` entries paying the seeded invoices (one per invoice, in a shuffled-but-fixed order) and the
 * allocations it should give: 70 % pay by the invoice's RF reference, 15 % name its number in the remittance text, 10 %
 * name the account, 5 % are unidentified; one in ten pays half. The matching and statement-parse benches read it.
 */
export async function writeBenchStatement(path: string, n: number): Promise<{ allocations: [string, string, string][] }> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-02T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>BENCH-1</Id><CreDtTm>2026-12-02T18:00:00</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-01</Dt></Dt></Bal>
`);
  const allocations: [string, string, string][] = [];
  for (let k = 0; k < n; k++) {
    const i = ((k * 7_919) % n) + 1; // every invoice once, not in number order
    const gross = grossOf(i);
    const amount = k % 10 === 3 ? gross / 2n : gross;
    const kind = k % 20;
    let rmt: string;
    if (kind < 14)
      rmt = `<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${creditorReference(numberText(i).replace('-', ''))}</Ref></CdtrRefInf></Strd>`;
    else if (kind < 17) rmt = `<Ustrd>Invoice ${numberText(i)} thank you</Ustrd>`;
    else if (kind < 19) rmt = `<Ustrd>customer acc-${i}</Ustrd>`;
    else rmt = `<Ustrd>unknown payer ${k}</Ustrd>`;
    if (kind < 19) allocations.push([`pay-${k}`, `doc-${i}`, amount.toString()]);
    await write(
      `<Ntry><Amt Ccy="EUR">${minorToDecimal(amount, 'EUR')}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-02</Dt></BookgDt><ValDt><Dt>2026-12-02</Dt></ValDt>` +
        `<AcctSvcrRef>B-${k}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RmtInf>${rmt}</RmtInf></TxDtls></NtryDtls></Ntry>\n`,
    );
  }
  await write('</Stmt></BkToCstmrStmt></Document>\n');
  await new Promise<void>((r) => out.end(() => r()));
  return { allocations };
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CamtStreamParser } from './camt-parser';
import type { StatementItem } from './statement-types';

const FIXTURE_PATH = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'camt053-mixed.xml');
const FIXTURE = readFileSync(FIXTURE_PATH, 'utf8');
/** ISO 20022's camt.053.001.02 schema, vendored unchanged (schemas/SOURCE.md). */
const CAMT053_XSD = join(__dirname, 'schemas', 'camt.053.001.02.xsd');

function parse(xml: string, size = xml.length): { items: StatementItem[]; parser: CamtStreamParser } {
  const parser = new CamtStreamParser();
  const items: StatementItem[] = [];
  for (let i = 0; i < xml.length; i += size) items.push(...parser.write(xml.slice(i, i + size)));
  items.push(...parser.end());
  return { items, parser };
}

const summary = (items: StatementItem[]) =>
  items.map((i) => (i.kind === 'payment' ? `${i.bankReference} ${i.amountMinor} ${i.currency}` : `${i.kind} ${i.element}`));

/** A camt.054 notification of one credit of `amount`, with the entry's parts given. */
function camt054(entry: string): string {
  return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId></GrpHdr>
<Ntfctn><Id>N1-1</Id><Acct><Id><Othr><Id>ACCT-77</Id></Othr></Id></Acct>
<Ntry>${entry}</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
}
const CREDIT =
  '<Amt Ccy="EUR">10.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><ValDt><DtTm>2026-12-03T10:00:00</DtTm></ValDt>';

describe('CamtStreamParser', () => {
  it('yields the payments, skipped and rejected entries of a camt.053 file in order, in any chunking', () => {
    const expected = [
      'BNK-0001 12000 EUR',
      'BNK-0002 4000 EUR',
      'BNK-0003 7500 EUR',
      'BNK-0004-A 5000 EUR',
      'BNK-0004-B 6000 EUR',
      'BNK-0005 1000 EUR',
      'rejected Document/BkToCstmrStmt/Stmt[1]/Ntry[6]/Amt',
      'rejected Document/BkToCstmrStmt/Stmt[1]/Ntry[7]/AcctSvcrRef',
      'skipped Document/BkToCstmrStmt/Stmt[1]/Ntry[8]',
      'rejected Document/BkToCstmrStmt/Stmt[1]/Ntry[9]/ValDt',
      'skipped Document/BkToCstmrStmt/Stmt[1]/Ntry[10]',
    ];
    for (const size of [13, 500, FIXTURE.length]) {
      const { items, parser } = parse(FIXTURE, size);
      expect(summary(items)).toEqual(expected);
      expect(parser.format).toBe('CAMT_053');
    }
  });

  it('reads a fixture the ISO camt.053.001.02 schema accepts but for its one deliberate error (Ntry[9] dated 2026-02-30)', () => {
    let out = '';
    try {
      execFileSync('xmllint', ['--noout', '--schema', CAMT053_XSD, FIXTURE_PATH], { stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stderr: Buffer }).stderr);
    }
    const errors = out.split('\n').filter((l) => l.includes('validity error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("'2026-02-30' is not a valid value of the atomic type");
    expect(errors[0]).toMatch(/camt053-mixed\.xml:\d+: element Dt:/);
  });

  it('reads references, remittance, debtor and dates of an entry', () => {
    const [first, , third] = parse(FIXTURE).items;
    expect(first).toMatchObject({
      source: 'DE89370400440532013000',
      endToEndId: 'E2E-0001',
      creditorReferences: ['RF94INV2026000001'],
      valueDate: '2026-12-02',
      bookingDate: '2026-12-02',
      line: 24,
    });
    expect(third).toMatchObject({ remittanceInfo: 'customer acc-2 November', debtorName: 'Second & Co', endToEndId: null });
  });

  it('reads a camt.054 notification (Sts/Cd, DtTm, Othr account id)', () => {
    const { items, parser } = parse(camt054(`${CREDIT}<AcctSvcrRef>N-1</AcctSvcrRef>`));
    expect(parser.format).toBe('CAMT_054');
    expect(items).toEqual([
      expect.objectContaining({ kind: 'payment', source: 'ACCT-77', bankReference: 'N-1', amountMinor: 1050n, valueDate: '2026-12-03' }),
    ]);
  });

  it.each([
    ['an unknown currency', CREDIT.replace('EUR', 'EUX'), 'amount: currency "EUX" is not an ISO 4217 code'],
    ['a zero amount', CREDIT.replace('10.50', '0.00'), 'amount: must be greater than zero'],
    ['a signed amount', CREDIT.replace('10.50', '-1.00'), 'amount: "-1.00" is not a decimal amount'],
    ['no CdtDbtInd', CREDIT.replace('<CdtDbtInd>CRDT</CdtDbtInd>', ''), 'CdtDbtInd is missing'],
    ['a bad CdtDbtInd', CREDIT.replace('>CRDT<', '>CR<'), 'CdtDbtInd: "CR" is neither CRDT nor DBIT'],
    ['no value date', CREDIT.replace(/<ValDt>.*<\/ValDt>/, '') + '<AcctSvcrRef>R</AcctSvcrRef>', 'ValDt is missing'],
    [
      'a batch that does not add up',
      `${CREDIT}<AcctSvcrRef>B</AcctSvcrRef><NtryDtls><TxDtls><Amt Ccy="EUR">5.00</Amt></TxDtls><TxDtls><Amt Ccy="EUR">5.00</Amt></TxDtls></NtryDtls>`,
      "the batch's transactions sum to 1000, the entry says 1050 (minor units)",
    ],
  ])('rejects an entry with %s, saying why', (_what, entry, reason) => {
    expect(parse(camt054(entry)).items).toEqual([expect.objectContaining({ kind: 'rejected', reason })]);
  });

  it('rejects an entry of a statement whose account id is too long for the payment key', () => {
    const xml = camt054(`${CREDIT}<AcctSvcrRef>N-1</AcctSvcrRef>`).replace('ACCT-77', 'A'.repeat(65));
    expect(parse(xml).items).toEqual([
      expect.objectContaining({ kind: 'rejected', reason: "the statement's account id is longer than 64 characters" }),
    ]);
  });

  it('keeps the entries before a break in the XML, and rejects the file from there with its line', () => {
    const broken = FIXTURE.replace('<Amt Ccy="EUR">10.00</Amt>', '<Amt Ccy="EUR">10.00</Amount>');
    const items = parse(broken, 100).items;
    expect(summary(items).slice(0, 5)).toEqual([
      'BNK-0001 12000 EUR',
      'BNK-0002 4000 EUR',
      'BNK-0003 7500 EUR',
      'BNK-0004-A 5000 EUR',
      'BNK-0004-B 6000 EUR',
    ]);
    expect(items[5]).toEqual({
      kind: 'rejected',
      line: 94,
      element: expect.stringContaining('Ntry[5]/Amt'),
      reason: 'not well-formed XML: line 94: </Amount> closes <Amt>',
      wholeFile: true,
    });
    expect(items).toHaveLength(6);
  });

  it('rejects a document that is not camt.053 or camt.054', () => {
    expect(parse('<Document><CstmrCdtTrfInitn/></Document>').items).toEqual([
      {
        kind: 'rejected',
        line: 1,
        element: 'Document/CstmrCdtTrfInitn',
        reason: '<CstmrCdtTrfInitn> is neither BkToCstmrStmt (camt.053) nor BkToCstmrDbtCdtNtfctn (camt.054)',
        wholeFile: true,
      },
    ]);
  });
});

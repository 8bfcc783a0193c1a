import { XmlSyntaxError } from '../payments/statements/xml-stream';
import { buildPain008, sepaText } from './pain008';
import { parseReturnFile, returnAction } from './returns';

describe('return reason codes', () => {
  it.each([
    ['AM04', 1, 'REPRESENT'],
    ['MS03', 1, 'REPRESENT'],
    ['AM04', 2, 'DUNNING'],
    ['AC04', 1, 'STOP_MANDATE'],
    ['MD01', 2, 'STOP_MANDATE'],
    ['MS02', 1, 'OPERATOR'],
    ['MD06', 1, 'OPERATOR'],
    ['FF01', 1, 'DUNNING'],
  ])('%s in presentation %i: %s', (code, presentation, action) => expect(returnAction(code, presentation)).toBe(action));
});

describe('parseReturnFile', () => {
  it('reads the returns of a camt.054 debit notification (RtrInf reason, Refs end-to-end id)', () => {
    const xml = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry><NtryDtls>
      <TxDtls><Refs><EndToEndId>DD1</EndToEndId></Refs><RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf></TxDtls>
      <TxDtls><Refs><EndToEndId>DD2</EndToEndId></Refs></TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
    const f = parseReturnFile(xml);
    expect(f.format).toBe('CAMT_054');
    expect(f.returns).toEqual([{ endToEndId: 'DD1', reasonCode: 'AM04', line: 2 }]);
    expect(f.skipped).toEqual([{ line: 3, reason: 'no return reason (status none)' }]);
  });

  it('refuses what is not a returns file, or not XML, with the line', () => {
    expect(() => parseReturnFile('<Document><BkToCstmrStmt/></Document>')).toThrow(XmlSyntaxError);
    expect(() => parseReturnFile('<Document><BkToCstmrStmt/></Document>')).toThrow('not a pain.002 status report nor a camt.054');
    expect(() => parseReturnFile('<Document><CstmrPmtStsRpt>\n<a></b>')).toThrow(/line 2/);
    expect(() => parseReturnFile('<!DOCTYPE x [<!ENTITY e "x">]><Document/>')).toThrow(XmlSyntaxError);
  });

  it('skips a reason that is not an ISO code, and one without an end-to-end id', () => {
    const xml = `<Document><CstmrPmtStsRpt><OrgnlPmtInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>DD1</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>am4</Cd></Rsn></StsRsnInf></TxInfAndSts>
      <TxInfAndSts><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`;
    expect(parseReturnFile(xml)).toEqual({
      format: 'PAIN_002',
      returns: [],
      skipped: [
        { line: 2, reason: 'reason code am4 is not an ISO code' },
        { line: 3, reason: 'no end-to-end id' },
      ],
    });
  });
});

describe('pain.008', () => {
  it('writes names in the SEPA character set, amounts exactly, and the same bytes for the same run', () => {
    expect(sepaText('Jörg Müller & Söhne <GmbH>', 70)).toBe('Jorg Muller Sohne GmbH');
    expect(sepaText('€€€', 70)).toBe('-');
    const f = {
      messageId: 'DDR-1',
      createdAt: '2026-12-03T08:00:00',
      collectionDate: '2026-12-05',
      creditor: { name: 'Ratel', iban: 'DE89370400440532013000', creditorId: 'DE98ZZZ09999999999' },
      transactions: [
        {
          endToEndId: 'DD1',
          sequence: 'RCUR' as const,
          amountMinor: 1n,
          mandateId: 'M',
          mandateSignedOn: '2026-01-01',
          debtorName: 'A',
          debtorIban: 'NL91ABNA0417164300',
          remittance: 'x',
        },
      ],
    };
    const xml = buildPain008(f);
    expect(xml).toContain('<InstdAmt Ccy="EUR">0.01</InstdAmt>');
    expect(xml).toContain('<CtrlSum>0.01</CtrlSum>');
    expect(xml).not.toContain('FRST');
    expect(buildPain008(f)).toBe(xml);
  });
});

import { accountMap, csvField, ERP_ACCOUNT_MAP_DEFAULT, majorText, toCsv } from './journal-export';

describe('majorText', () => {
  it('writes minor units as the major unit exactly, for 2, 0 and 3 decimals', () => {
    expect([majorText(12345n, 'EUR'), majorText(5n, 'EUR'), majorText(-100n, 'EUR'), majorText(0n, 'EUR')]).toEqual([
      '123.45',
      '0.05',
      '-1.00',
      '0.00',
    ]);
    expect(majorText(1500n, 'JPY')).toBe('1500');
    expect(majorText(1234n, 'KWD')).toBe('1.234');
    expect(majorText(9007199254740993n, 'EUR')).toBe('90071992547409.93');
  });
});

describe('CSV', () => {
  it('quotes what RFC 4180 asks to, and nothing else', () => {
    expect([csvField('a'), csvField('a,b'), csvField('say "hi"'), csvField('l1\nl2')]).toEqual(['a', '"a,b"', '"say ""hi"""', '"l1\nl2"']);
    const row = {
      transactionId: 't,1',
      kind: 'K',
      sourceId: 's',
      postedOn: '2026-12-01',
      lineNo: 1,
      ledgerAccount: 'AR',
      glAccount: '411000',
      party: null,
      currency: 'EUR',
      debit: '1.00',
      credit: '',
    };
    expect(toCsv([row])).toBe(
      'transaction_id,kind,source_id,posted_on,line_no,ledger_account,gl_account,party,currency,debit,credit\r\n"t,1",K,s,2026-12-01,1,AR,411000,,EUR,1.00,\r\n',
    );
  });
});

describe('accountMap', () => {
  it('is the default when unset, and adds or overrides from JSON', () => {
    expect(accountMap(undefined)).toEqual(ERP_ACCOUNT_MAP_DEFAULT);
    expect(accountMap('{"AR":"1200","WRITE_OFF":"6540"}')).toMatchObject({ AR: '1200', WRITE_OFF: '6540', BANK: '512000' });
  });
  it('refuses what is not a mapping, naming the entry', () => {
    expect(() => accountMap('[1]')).toThrow('a JSON object');
    expect(() => accountMap('{nope')).toThrow('not JSON');
    expect(() => accountMap('{"ar":"1"}')).toThrow('"ar" is not a ledger account code');
    expect(() => accountMap('{"AR":12}')).toThrow('ERP_ACCOUNT_MAP.AR');
  });
});

import { Mt940StreamParser } from './mt940-parser';
import type { StatementItem } from './statement-types';

const MT940 = [
  ':20:STMT-1',
  ':25:DE89370400440532013000',
  ':28C:00336/001',
  ':60F:C261201EUR1000,00',
  ':61:2612021202CR120,00NTRFNONREF//BNK-0001',
  ':86:166?00SEPA CREDIT?20RF94 INV2 0260 0000 1?21 thanks',
  ':61:2612021202DR99,00NCHGNONREF//FEES-1',
  ':86:bank fees',
  ':61:2612021202CR1,234NTRFNONREF//BNK-0002',
  ':61:2602300230CR5,00NTRFNONREF//BNK-0003',
  ':61:2612021202CR40,00NTRFCUSTREF-9',
  ':86:Invoice INV2026-000002',
  'part payment',
  ':62F:C261202EUR1061,00',
  '-',
].join('\r\n');

function parse(text: string, size = text.length): StatementItem[] {
  const p = new Mt940StreamParser();
  const out: StatementItem[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.write(text.slice(i, i + size)));
  return [...out, ...p.end()];
}

describe('Mt940StreamParser', () => {
  it('reads credits as payments, skips debits, rejects bad lines with their line number, in any chunking', () => {
    for (const size of [5, 64, MT940.length]) {
      expect(parse(MT940, size)).toEqual([
        expect.objectContaining({
          kind: 'payment',
          line: 5,
          source: 'DE89370400440532013000',
          bankReference: 'BNK-0001',
          currency: 'EUR',
          amountMinor: 12000n,
          valueDate: '2026-12-02',
          remittanceInfo: 'RF94 INV2 0260 0000 1 thanks',
        }),
        { kind: 'skipped', element: ':61:', line: 7, reason: 'a debit: not a payment received' },
        { kind: 'rejected', element: ':61:', line: 9, reason: 'amount: 1,234 has more decimals than EUR has (2)' },
        { kind: 'rejected', element: ':61:', line: 10, reason: 'value date 260230 is not a date' },
        expect.objectContaining({
          kind: 'payment',
          line: 11,
          bankReference: 'CUSTREF-9',
          amountMinor: 4000n,
          remittanceInfo: 'Invoice INV2026-000002 part payment',
        }),
      ]);
    }
  });

  it('rejects a line before the account or the opening balance', () => {
    expect(parse(':20:X\n:61:2612021202CR1,00NTRFNONREF//R\n-')).toEqual([
      { kind: 'rejected', element: ':61:', line: 2, reason: 'no :25: account before the line' },
    ]);
  });
});

/** planNetting (net-credit-notes.ts), pure: which credit note pays which document, and how much. */
import { planNetting } from './net-credit-notes';

type Doc = Parameters<typeof planNetting>[0][number];
const invoice = (id: string, open: number, currency = 'EUR'): Doc => ({
  id,
  type: 'INVOICE',
  currency,
  open: BigInt(open),
  paid: 0n,
  correctsDocumentId: null,
  creditKind: null,
});
const note = (id: string, open: number, kind: string | null, corrects: string | null = null, currency = 'EUR'): Doc => ({
  id,
  type: 'CREDIT_NOTE',
  currency,
  open: BigInt(open),
  paid: 0n,
  correctsDocumentId: corrects,
  creditKind: kind,
});
const summary = (docs: Doc[]) => planNetting(docs).map((s) => [s.creditNote.id, s.paidBefore, s.pays.map((p) => [p.doc.id, p.amount])]);

describe('planNetting', () => {
  it('pays the oldest documents first, the last in part, and leaves what is left of the note', () => {
    const docs = [invoice('i1', 20), invoice('i2', 50), note('c1', 40, 'ACCOUNT_CREDIT')];
    expect(summary(docs)).toEqual([
      [
        'c1',
        0n,
        [
          ['i1', 20n],
          ['i2', 20n],
        ],
      ],
    ]);
    expect(docs.map((d) => [d.id, d.open])).toEqual([
      ['i1', 0n],
      ['i2', 30n],
      ['c1', 0n],
    ]);
  });

  it('an OFFSET note pays its corrected document first; without one open it pays as ACCOUNT_CREDIT', () => {
    expect(summary([invoice('i1', 20), invoice('i2', 50), note('c1', 60, 'OFFSET', 'i2')])).toEqual([
      [
        'c1',
        0n,
        [
          ['i2', 50n],
          ['i1', 10n],
        ],
      ],
    ]);
    expect(summary([invoice('i1', 20), note('c1', 5, 'OFFSET', 'gone')])).toEqual([['c1', 0n, [['i1', 5n]]]]);
  });

  it('never nets a REFUND note, a document of another currency, or a note with nothing to pay', () => {
    expect(summary([invoice('i1', 20, 'USD'), note('c1', 10, 'REFUND'), note('c2', 10, null)])).toEqual([]);
    expect(summary([note('c1', 10, 'ACCOUNT_CREDIT')])).toEqual([]);
  });

  it('two notes share the documents in order: the second gets what the first left', () => {
    const c2 = { ...note('c2', 30, null), paid: 7n };
    expect(summary([invoice('i1', 25), note('c1', 20, 'ACCOUNT_CREDIT'), c2])).toEqual([
      ['c1', 0n, [['i1', 20n]]],
      ['c2', 7n, [['i1', 5n]]],
    ]);
    expect([c2.open, c2.paid]).toEqual([25n, 12n]);
  });
});

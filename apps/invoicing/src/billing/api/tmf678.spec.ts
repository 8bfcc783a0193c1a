import type { DocumentSummary } from '../documents/document-service';
import { customerBillOf } from './tmf678.controller';

const doc: DocumentSummary = {
  id: 'doc-1',
  accountId: 'acc-1',
  cycleId: 'c',
  type: 'INVOICE',
  status: 'PARTIALLY_PAID',
  number: 'INV2026-000001',
  currency: 'EUR',
  netMinor: '1000',
  taxMinor: '200',
  grossMinor: '1200',
  paidMinor: '500',
  issueDate: '2026-11-30',
  dueDate: '2026-12-14',
  periodStart: '2026-11-01',
  periodEnd: '2026-12-01',
  paymentReference: 'RF00',
  correctsDocumentId: null,
  holdReasons: [],
};

describe('customerBillOf (TMF678)', () => {
  it('maps a document: state, category, amounts due in major units', () => {
    expect(customerBillOf(doc)).toMatchObject({
      billNo: 'INV2026-000001',
      state: 'partiallyPaid',
      category: 'normal',
      amountDue: { unit: 'EUR', value: 7 },
      taxIncludedAmount: { unit: 'EUR', value: 12 },
      taxExcludedAmount: { unit: 'EUR', value: 10 },
      billingPeriod: { startDateTime: '2026-11-01T00:00:00Z', endDateTime: '2026-12-01T00:00:00Z' },
    });
  });

  it('never rounds: an amount a double cannot carry exactly is given as its decimal string', () => {
    const big = customerBillOf({ ...doc, grossMinor: '900719925474099312', netMinor: '900719925474099312', taxMinor: '0', paidMinor: '0' });
    expect(big.taxIncludedAmount).toEqual({ unit: 'EUR', value: '9007199254740993.12' });
    expect(customerBillOf({ ...doc, currency: 'JPY', grossMinor: '1234' }).taxIncludedAmount).toEqual({ unit: 'JPY', value: 1234 });
  });
});

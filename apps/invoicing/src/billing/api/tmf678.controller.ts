/**
 * TMF678 Customer Bill Management v4, read side, as a thin mapping of billing documents: the issued
 * documents as `CustomerBill` resources (`GET /tmf-api/customerBillManagement/v4/customerBill`,
 * filter `billingAccount.id`, paging `offset`/`limit`, and by id). Role billing. Amounts are TMF
 * `Money` ({unit, value}) in major units. TMF's value is a JSON number: it is written only when the
 * number reads back as exactly the document's decimal (always, below 15 significant digits); an
 * amount that a double could not carry exactly is given as the decimal string instead, never rounded.
 */
import { Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { tmfMoney } from '@app/money';
import { InvoicingApiController } from '../../api/api-controller';
import type { RawQuery } from '../../api/query-params';
import { BillingError, BillingErrorCode } from '../documents/billing-error';
import { BillingDocumentService, DOCUMENTS_PAGE_MAX, type DocumentSummary } from '../documents/document-service';
import { idParam } from './documents-commands';

export const TMF678_BASE = 'tmf-api/customerBillManagement/v4/customerBill';

const STATE: Record<string, string> = { ISSUED: 'sent', PARTIALLY_PAID: 'partiallyPaid', PAID: 'settled', VOID: 'onHold' };
const CATEGORY: Record<string, string> = {
  INVOICE: 'normal',
  CREDIT_NOTE: 'creditNote',
  DEBIT_NOTE: 'debitNote',
  ADVANCE_INVOICE: 'advance',
};

/** The TMF678 CustomerBill of a document (pure). */
export function customerBillOf(d: DocumentSummary, baseUrl = `/${TMF678_BASE}`): Record<string, unknown> {
  const money = (minor: string) => tmfMoney(BigInt(minor), d.currency);
  const due = BigInt(d.grossMinor) - BigInt(d.paidMinor);
  return {
    id: d.id,
    href: `${baseUrl}/${d.id}`,
    billNo: d.number,
    category: CATEGORY[d.type] ?? d.type.toLowerCase(),
    state: STATE[d.status] ?? d.status.toLowerCase(),
    billDate: d.issueDate,
    paymentDueDate: d.dueDate,
    billingPeriod: d.periodStart ? { startDateTime: `${d.periodStart}T00:00:00Z`, endDateTime: `${d.periodEnd}T00:00:00Z` } : undefined,
    amountDue: money(due.toString()),
    remainingAmount: money(due.toString()),
    taxExcludedAmount: money(d.netMinor),
    taxIncludedAmount: money(d.grossMinor),
    billingAccount: { id: d.accountId, '@referredType': 'BillingAccount' },
    paymentReference: d.paymentReference,
    '@type': 'CustomerBill',
  };
}

@InvoicingApiController(TMF678_BASE, 'TMF678 customer bill')
export class Tmf678Controller {
  constructor(@Inject(BillingDocumentService) private readonly documents: BillingDocumentService) {}

  @Get()
  @RequiresRole('billing')
  @ApiOperation({ summary: 'TMF678 CustomerBill list: the issued billing documents, newest first' })
  @ApiQuery({ name: 'billingAccount.id', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1-${DOCUMENTS_PAGE_MAX}` })
  @ApiOkResponse({ description: 'CustomerBill[]; X-Total-Count and X-Result-Count headers' })
  async list(@Query() q: RawQuery, @Res() reply: FastifyReply): Promise<void> {
    const allowed = ['billingAccount.id', 'offset', 'limit'];
    const unknown = Object.keys(q).find((k) => !allowed.includes(k));
    if (unknown !== undefined) throw BillingError.invalid(unknown, `unknown parameter; allowed: ${allowed.join(', ')}`);
    const int = (name: string, min: number, max: number, fallback: number) => {
      const v = q[name];
      if (v === undefined) return fallback;
      if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
        throw BillingError.invalid(name, `an integer from ${min} to ${max}`);
      return Number(v);
    };
    const account = q['billingAccount.id'];
    const { documents, total } = await this.documents.list({
      ...(account === undefined ? {} : { accountId: idParam(account, 'billingAccount.id') }),
      statusIn: ['ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID'],
      sort: '-issueDate',
      limit: int('limit', 1, DOCUMENTS_PAGE_MAX, 50),
      offset: int('offset', 0, 100_000, 0),
    });
    void reply
      .status(200)
      .header('x-total-count', String(total))
      .header('x-result-count', String(documents.length))
      .send(documents.map((d) => customerBillOf(d)));
  }

  @Get(':id')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'One TMF678 CustomerBill' })
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    const d = await this.documents.get(idParam(id, 'id'));
    // Drafts and held or rejected documents are not bills (yet).
    if (d.number === null) throw new BillingError(BillingErrorCode.DOCUMENT_NOT_FOUND, `no customer bill ${id}`, 'id');
    return customerBillOf(d);
  }
}

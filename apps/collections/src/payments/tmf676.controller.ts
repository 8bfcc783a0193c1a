/**
 * TMF676 Payment Management v4, read side, as a thin mapping of collections' payments: each payment
 * received (statement, direct debit, card, manual) as a `Payment` resource with its allocations as
 * `paymentItem`s pointing at the TMF678 CustomerBill they paid (`GET /tmf-api/paymentManagement/v4/payment`,
 * filter `account.id`, paging `offset`/`limit`, and by id). Role read. Amounts are TMF `Money` in major
 * units, exact (@app/money tmfMoney: a JSON number only when it reads back as the decimal).
 */
import { Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { tmfMoney } from '@app/money';
import { CollectionsApiController } from '../api/api-controller';
import { type AllocationView, PaymentQueries, type PaymentView } from './payment-queries';
import { PAGE_LIMIT_MAX, type RawQuery, readId, readPage, readQuery } from './query-params';

export const TMF676_BASE = 'tmf-api/paymentManagement/v4/payment';
/** Where the paid documents are served as TMF678 CustomerBills (the invoicing API). */
export const TMF678_CUSTOMER_BILL_PATH = '/tmf-api/customerBillManagement/v4/customerBill';

/** The TMF676 Payment of a payment and its allocations (pure). */
export function tmfPaymentOf(p: PaymentView, allocations?: readonly AllocationView[]): Record<string, unknown> {
  return {
    id: p.id,
    href: `/${TMF676_BASE}/${p.id}`,
    '@type': 'Payment',
    correlatorId: p.bankReference,
    paymentDate: `${p.valueDate}T00:00:00Z`,
    status: p.status.toLowerCase(),
    amount: tmfMoney(BigInt(p.amountMinor), p.currency),
    totalAmount: tmfMoney(BigInt(p.amountMinor), p.currency),
    channel: { id: p.channel, name: p.channel },
    description: p.remittanceInfo,
    ...(p.accountId === null ? {} : { account: { id: p.accountId, '@referredType': 'BillingAccount' } }),
    ...(allocations === undefined
      ? {}
      : {
          paymentItem: allocations.map((a) => ({
            id: a.id,
            amount: tmfMoney(BigInt(a.amountMinor), p.currency),
            item: { id: a.documentId, href: `${TMF678_CUSTOMER_BILL_PATH}/${a.documentId}`, '@referredType': 'CustomerBill' },
          })),
        }),
  };
}

@CollectionsApiController(TMF676_BASE, 'TMF676 payment')
export class Tmf676Controller {
  constructor(@Inject(PaymentQueries) private readonly queries: PaymentQueries) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'TMF676 Payment list: payments received, newest value date first' })
  @ApiQuery({ name: 'account.id', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1-${PAGE_LIMIT_MAX}` })
  @ApiOkResponse({ description: 'Payment[] (without paymentItem: read one for it); X-Total-Count and X-Result-Count headers' })
  async list(@Query() query: RawQuery, @Res() reply: FastifyReply): Promise<void> {
    const q = readQuery(query, ['account.id', 'offset', 'limit']);
    const page = await this.queries.list({ accountId: readId('account.id', q['account.id']), ...readPage(q) });
    await reply
      .header('X-Total-Count', String(page.total))
      .header('X-Result-Count', String(page.items.length))
      .send(page.items.map((p) => tmfPaymentOf(p)));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A TMF676 Payment with its paymentItems (the documents it paid)' })
  @ApiOkResponse({ description: 'Payment' })
  async get(@Param('id') id: string, @Query() query: RawQuery): Promise<Record<string, unknown>> {
    readQuery(query, []);
    const p = await this.queries.get(readId('id', id)!);
    return tmfPaymentOf(p, p.allocations);
  }
}

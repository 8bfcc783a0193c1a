/**
 * What computeInvoiceDraft needs, read from PostgreSQL (the catalog once per step, the accounts a
 * page at a time) and from the shard's ClickHouse usage. The rules of the reading, in one place:
 *
 * - **Catalog** (once per COMPUTE step): every product with its charges, the discounts whose
 *   validity overlaps the cycle (clamped to it), and the tax rates in force during the cycle
 *   (the built-in table behind the TaxRateResolver port). Catalog discounts apply to every account
 *   they match: a CHARGE discount wherever its charge is billed, a SERVICE discount on that service's
 *   usage, an INVOICE discount on every invoice; `required_product_ids` narrows one to accounts that
 *   hold those products (cross-product discounts).
 * - **Subscriptions**: each with its lifecycle events (ACTIVATE, SUSPEND, RESUME, CANCEL,
 *   CHANGE_PRODUCT) up to the cycle end; its product at activation is the ACTIVATE event's. One with
 *   no lifecycle record (created before lifecycle events were written) is taken as activated at its
 *   creation on its current product. One cancelled before the cycle with no usage in it is left out.
 * - **Recurring anchor** (first day of QUARTERLY and ANNUAL charge periods): the start of the billing
 *   period (of the run's cycle type) that contains the activation date.
 * - **Earlier invoices** of the account (issued, of other cycles): RECURRING lines with a positive
 *   amount whose period reaches into the cycle are the advance billings; negative ones are the
 *   credits already given (a credit note's lines count with the opposite sign).
 * - **Instalments**: one part per cycle from the cycle of activation, the next after the parts
 *   already billed on earlier invoices; when the subscription is cancelled in the cycle, every part
 *   left is due at once.
 * - **Usage**: ClickHouse lines per subscriber (the MSISDN), service, rating group, tariff and unit.
 *   The service is the service id in decimal (SERVICE discounts name it so), the zone is
 *   USAGE_ZONE_ANY (rated events carry no zone yet: the tariff names the price), the tax category
 *   STANDARD. A line's period is the local days of its events in the account's zone, clamped to
 *   the cycle (late usage: to before it). Usage of an MSISDN the account has no subscription for
 *   is billed under a subscription `usage-<msisdn>` of USAGE_ONLY_PRODUCT (no charges): never lost.
 */
import type { InvoiceUsageLine } from '@app/analytics';
import type { Pool, PoolClient } from 'pg';
import { INDEX_LOOKUPS_ONLY, withTransaction } from '@app/db/pg-transaction';
import { Decimal } from 'decimal.js';
import type {
  AdvanceBilling,
  AdvanceCredit,
  Charge,
  ComputeInput,
  Discount,
  LifecycleEvent,
  LocalPeriod,
  Product,
  Subscription,
  TaxCategory,
  UsageAggregate,
} from '../compute/compute-types';
import { TableTaxRates, type TaxRateRow } from '../compute/tax-rates';
import { addDays, localDateOf } from '../compute/local-date';
import { periodContaining, type CycleType } from '../cycles/cycle-periods';
import type { CycleRecord } from '../cycles/cycle-service';
import { groupBy } from '../group-by';

/** The product of usage whose MSISDN has no subscription on the account. */
export const USAGE_ONLY_PRODUCT = '__usage_only';
/** Zone of a usage line while rated events carry none. */
export const USAGE_ZONE_ANY = '*';
/** Tax category of usage lines. */
export const USAGE_TAX_CATEGORY: TaxCategory = 'STANDARD';
/** Products, charges, discounts and tax rates read per step, at most (a bigger catalog is refused, not truncated). */
export const CATALOG_ROWS_MAX = 100_000;

export interface CatalogSnapshot {
  products: Map<string, Product>;
  charges: Map<string, Charge>;
  discounts: Discount[];
  taxRates: TableTaxRates;
}

export interface AccountCompute {
  input: ComputeInput;
  legalEntityId: string;
  paymentTermsDays: number;
}

export interface AccountDefaults {
  legalEntityId: string;
  paymentTermsDays: number;
}

const maxDate = (a: string, b: string) => (a > b ? a : b);
const minDate = (a: string, b: string) => (a < b ? a : b);

function limited<T>(rows: T[], what: string): T[] {
  if (rows.length > CATALOG_ROWS_MAX) throw new RangeError(`${what}: more than CATALOG_ROWS_MAX ${CATALOG_ROWS_MAX} rows`);
  return rows;
}

export async function loadCatalog(pool: Pool, cycle: LocalPeriod): Promise<CatalogSnapshot> {
  const products = limited((await pool.query<{ id: string; name: string }>(`select id, name from product order by id`)).rows, 'product');
  const chargeRows = limited(
    (
      await pool.query<{
        id: string;
        product_id: string;
        name: string;
        kind: Charge['kind'];
        period: 'MONTHLY' | 'QUARTERLY' | 'ANNUAL' | null;
        billing: 'ADVANCE' | 'ARREARS' | null;
        prorated: boolean | null;
        instalment_count: number | null;
        amount_minor: string;
        currency: string;
        tax_category: TaxCategory;
      }>(
        `select id, product_id, name, kind, period, billing, prorated, instalment_count, amount_minor::text, currency, tax_category
         from product_charge order by product_id, id`,
      )
    ).rows,
    'product_charge',
  );
  const charges = new Map<string, Charge>();
  const byProduct = new Map<string, Charge[]>();
  for (const r of chargeRows) {
    const common = {
      id: r.id,
      description: r.name,
      amountMinor: BigInt(r.amount_minor),
      currency: r.currency.trim(),
      taxCategory: r.tax_category,
    };
    const charge: Charge =
      r.kind === 'RECURRING'
        ? { ...common, kind: 'RECURRING', frequency: r.period!, timing: r.billing!, prorated: r.prorated! }
        : r.kind === 'INSTALMENT'
          ? { ...common, kind: 'INSTALMENT', parts: r.instalment_count! }
          : { ...common, kind: r.kind };
    charges.set(r.id, charge);
    const list = byProduct.get(r.product_id) ?? [];
    list.push(charge);
    byProduct.set(r.product_id, list);
  }
  const discountRows = limited(
    (
      await pool.query<{
        id: string;
        name: string;
        kind: 'PERCENT' | 'FIXED';
        percent: string | null;
        amount_minor: string | null;
        currency: string | null;
        scope: Discount['scope'];
        charge_id: string | null;
        service: string | null;
        required_product_ids: string[];
        valid_from: string;
        valid_to: string | null;
      }>(
        `select id, name, kind, percent::text, amount_minor::text, currency, scope, charge_id, service, required_product_ids,
           valid_from::text, valid_to::text
         from discount where valid_from < $2::date and (valid_to is null or valid_to > $1::date)
         order by id`,
        [cycle.start, cycle.end],
      )
    ).rows,
    'discount',
  );
  const discounts: Discount[] = discountRows.map((r) => ({
    id: r.id,
    description: r.name,
    kind: r.kind,
    ...(r.percent !== null ? { percent: new Decimal(r.percent).toString() } : {}),
    ...(r.amount_minor !== null ? { amountMinor: BigInt(r.amount_minor), currency: r.currency!.trim() } : {}),
    scope: r.scope,
    ...(r.charge_id !== null ? { chargeId: r.charge_id } : {}),
    ...(r.service !== null ? { service: r.service } : {}),
    requiredProductIds: r.required_product_ids,
    validity: { start: maxDate(r.valid_from, cycle.start), end: r.valid_to === null ? cycle.end : minDate(r.valid_to, cycle.end) },
  }));
  const rateRows = limited(
    (
      await pool.query<{ jurisdiction: string; category: TaxCategory; rate: string; valid_from: string; valid_to: string | null }>(
        `select jurisdiction, category, (rate_percent / 100)::text as rate, valid_from::text, valid_to::text
         from tax_rate where valid_from < $2::date and (valid_to is null or valid_to > $1::date) order by jurisdiction, category, valid_from`,
        [cycle.start, cycle.end],
      )
    ).rows,
    'tax_rate',
  );
  const taxRows: TaxRateRow[] = rateRows.map((r) => ({
    jurisdiction: r.jurisdiction,
    category: r.category,
    rate: new Decimal(r.rate).toString(),
    validFrom: r.valid_from,
    validTo: r.valid_to,
  }));
  return {
    products: new Map(
      [
        ...products.map((p) => ({ id: p.id, name: p.name, charges: byProduct.get(p.id) ?? [] })),
        { id: USAGE_ONLY_PRODUCT, name: 'Usage', charges: [] },
      ].map((p) => [p.id, p]),
    ),
    charges,
    discounts,
    taxRates: new TableTaxRates(taxRows),
  };
}

interface SubscriptionRow {
  id: string;
  account_id: string;
  msisdn: string;
  product_id: string;
  created_at: Date;
}

interface EventRow {
  subscription_id: string;
  kind: 'ACTIVATE' | 'SUSPEND' | 'RESUME' | 'CANCEL' | 'CHANGE_PRODUCT';
  effective_at: Date;
  effective_local_date: string;
  to_product_id: string | null;
  from_product_id: string | null;
}

interface PriorLineRow {
  account_id: string;
  subscription_id: string;
  charge_id: string;
  period_start: string;
  period_end: string;
  amount_minor: string;
  currency: string;
  kind: 'RECURRING' | 'ONE_TIME';
  doc_type: string;
}

const EVENT_TYPE: Record<Exclude<EventRow['kind'], 'CHANGE_PRODUCT'>, 'ACTIVATED' | 'SUSPENDED' | 'RESUMED' | 'CANCELLED'> = {
  ACTIVATE: 'ACTIVATED',
  SUSPEND: 'SUSPENDED',
  RESUME: 'RESUMED',
  CANCEL: 'CANCELLED',
};

/**
 * Runs the page's reads on one client, in one read-only transaction where the planner may not scan a
 * whole table or hash-join: every read here looks rows up by account or document id, and index
 * lookups are the right plan for them at any size. Without this, a table that grew since its
 * statistics were taken (the documents and lines COMPUTE itself writes in a first month, or a
 * freshly loaded subscription base) gets sequential scans of a million rows for each page of 1,000
 * accounts. The reads run one after the other.
 */
function keyedReads<T>(pool: Pool, reads: (c: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, reads, { readOnly: true, setLocal: INDEX_LOOKUPS_ONLY });
}

/** The compute input of each account of `ids` (in the order of `ids`), with its usage from `usageByAccount`. */
export async function loadAccountInputs(p: {
  pool: Pool;
  catalog: CatalogSnapshot;
  cycle: CycleRecord;
  cycleType: Pick<CycleType, 'kind' | 'anchorDay'>;
  ids: readonly string[];
  usageByAccount: ReadonlyMap<string, readonly InvoiceUsageLine[]>;
  defaults: AccountDefaults;
}): Promise<AccountCompute[]> {
  const { catalog, cycle } = p;
  const period: LocalPeriod = { start: cycle.periodStart, end: cycle.periodEnd };
  const [accounts, subscriptions, events, prior] = await keyedReads(
    p.pool,
    async (pool) =>
      [
        await pool.query<{
          id: string;
          currency: string;
          time_zone: string;
          tax_jurisdiction: string | null;
          minimum_commitment_minor: string | null;
          legal_entity_id: string;
          payment_terms_days: number;
          first_invoice: boolean;
        }>(
          `select a.id, a.currency, a.time_zone, a.tax_jurisdiction, a.minimum_commitment_minor::text,
         coalesce(a.legal_entity_id, $3) as legal_entity_id, coalesce(a.payment_terms_days, $4)::int as payment_terms_days,
         not exists (select 1 from billing_document d where d.account_id = a.id and d.type = 'INVOICE' and d.cycle_id is distinct from $2
           and d.status not in ('DRAFT', 'HELD', 'REJECTED')) as first_invoice
       from billing_account a where a.id = any($1::text[])`,
          [p.ids, cycle.id, p.defaults.legalEntityId, p.defaults.paymentTermsDays],
        ),
        await pool.query<SubscriptionRow>(
          `select id, account_id, msisdn, product_id, created_at from subscription where account_id = any($1::text[]) order by account_id, id`,
          [p.ids],
        ),
        // Up to the cycle end with a day of margin (the local date is the account's, the cycle's dates its
        // type's; computeInvoiceDraft drops what falls after the cycle), and every ACTIVATE (one activated later
        // has a lifecycle record, and nothing to bill yet).
        await pool.query<EventRow>(
          `select subscription_id, kind, effective_at, effective_local_date::text, to_product_id, from_product_id
       from subscription_lifecycle_event where account_id = any($1::text[]) and (effective_local_date <= $2::date or kind = 'ACTIVATE')
       order by subscription_id, effective_at, id`,
          [p.ids, cycle.periodEnd],
        ),
        await pool.query<PriorLineRow>(
          `select d.account_id, l.subscription_id, l.charge_id, l.period_start::text, l.period_end::text, l.amount_minor::text, d.currency,
         l.kind, d.type as doc_type
       from billing_document d
       cross join lateral (
         -- The account's documents first, then each one's lines by primary key (offset 0 keeps this a lateral lookup).
         select l.subscription_id, l.charge_id, l.period_start, l.period_end, l.amount_minor, l.kind from billing_document_line l
         where l.document_id = d.id and l.charge_id is not null and l.subscription_id is not null and l.period_start is not null
           and l.period_end is not null and (l.kind = 'ONE_TIME' or (l.kind = 'RECURRING' and l.period_end > $3::date))
         offset 0
       ) l
       where d.account_id = any($1::text[]) and d.cycle_id is distinct from $2 and d.status not in ('DRAFT', 'HELD', 'REJECTED', 'VOID')`,
          [p.ids, cycle.id, cycle.periodStart],
        ),
      ] as const,
  );
  const subsByAccount = groupBy(subscriptions.rows, (r) => r.account_id);
  const eventsBySub = groupBy(events.rows, (r) => r.subscription_id);
  const priorByAccount = groupBy(prior.rows, (r) => r.account_id);
  const byId = new Map(accounts.rows.map((a) => [a.id, a]));
  return p.ids.flatMap((id) => {
    const a = byId.get(id);
    if (a === undefined) return [];
    const currency = a.currency.trim();
    const usageLines = p.usageByAccount.get(id) ?? [];
    const withUsage = new Set(usageLines.map((u) => u.subscriberId));
    const priorLines = priorByAccount.get(id) ?? [];
    const subs: Subscription[] = [];
    const msisdnToSubscription = new Map<string, string>();
    for (const s of subsByAccount.get(id) ?? []) {
      const recorded = eventsBySub.get(s.id) ?? [];
      const evs = recorded.filter((e) => e.effective_local_date <= cycle.periodEnd);
      const cancel = evs.find((e) => e.kind === 'CANCEL');
      const used = withUsage.has(s.msisdn);
      // Cancelled before the cycle, or activated after it: nothing to bill but its usage.
      if (!used && ((cancel && cancel.effective_local_date < cycle.periodStart) || (recorded.length > 0 && evs.length === 0))) continue;
      msisdnToSubscription.set(s.msisdn, s.id);
      subs.push(
        subscriptionOf({
          row: s,
          events: evs,
          recorded: recorded.length > 0,
          period,
          cycleType: p.cycleType,
          timeZone: a.time_zone,
          catalog,
          priorLines,
        }),
      );
    }
    const usage = usageAggregates({ lines: usageLines, msisdnToSubscription, timeZone: a.time_zone, cycle: period });
    for (const u of usage) {
      if (subs.some((s) => s.id === u.subscriptionId)) continue;
      subs.push({
        id: u.subscriptionId,
        productId: USAGE_ONLY_PRODUCT,
        events: [{ type: 'ACTIVATED', at: new Date(cycle.startsAtMs).toISOString() }],
      });
    }
    const { advance, credits } = priorRecurring(priorLines, catalog);
    // A FIXED discount in another currency is not this account's.
    const discounts = catalog.discounts.filter((d) => d.kind === 'PERCENT' || d.currency === currency);
    return [
      {
        input: {
          account: {
            id: a.id,
            currency,
            timeZone: a.time_zone,
            taxJurisdiction: a.tax_jurisdiction ?? '',
            minimumCommitmentMinor: a.minimum_commitment_minor === null ? null : BigInt(a.minimum_commitment_minor),
            firstInvoice: a.first_invoice,
          },
          cycle: period,
          products: productsOf(catalog, subs, discounts),
          subscriptions: subs,
          usage,
          discounts,
          priorAdvanceBillings: advance.filter((b) => subs.some((s) => s.id === b.subscriptionId)),
          priorCredits: credits,
          taxRates: catalog.taxRates,
        },
        legalEntityId: a.legal_entity_id,
        paymentTermsDays: a.payment_terms_days,
      },
    ];
  });
}

function subscriptionOf(p: {
  row: SubscriptionRow;
  events: EventRow[];
  /** Whether the subscription has lifecycle events at all (older ones do not). */
  recorded: boolean;
  period: LocalPeriod;
  cycleType: Pick<CycleType, 'kind' | 'anchorDay'>;
  timeZone: string;
  catalog: CatalogSnapshot;
  priorLines: PriorLineRow[];
}): Subscription {
  const { row, period } = p;
  const activation = p.events.find((e) => e.kind === 'ACTIVATE');
  const firstChange = p.events.find((e) => e.kind === 'CHANGE_PRODUCT');
  const productId = activation?.to_product_id ?? firstChange?.from_product_id ?? row.product_id;
  const events: LifecycleEvent[] = !p.recorded
    ? [{ type: 'ACTIVATED', at: row.created_at.toISOString() }]
    : p.events.map((e) =>
        e.kind === 'CHANGE_PRODUCT'
          ? { type: 'PRODUCT_CHANGED', at: e.effective_at.toISOString(), productId: e.to_product_id! }
          : { type: EVENT_TYPE[e.kind], at: e.effective_at.toISOString() },
      );
  const activatedOn = activation?.effective_local_date ?? localDateOf(row.created_at.getTime(), p.timeZone);
  const cancel = p.events.find((e) => e.kind === 'CANCEL');
  const cancelledInCycle = cancel !== undefined && cancel.effective_local_date >= period.start && cancel.effective_local_date < period.end;
  const instalmentsDue: Array<{ chargeId: string; partIndex: number }> = [];
  if (activatedOn < period.end && !(cancel && cancel.effective_local_date < period.start)) {
    const productIds = new Set([productId, ...p.events.filter((e) => e.to_product_id !== null).map((e) => e.to_product_id!)]);
    for (const pid of productIds) {
      for (const charge of p.catalog.products.get(pid)?.charges ?? []) {
        if (charge.kind !== 'INSTALMENT') continue;
        const billed = p.priorLines.filter(
          (l) => l.kind === 'ONE_TIME' && l.subscription_id === row.id && l.charge_id === charge.id,
        ).length;
        const last = cancelledInCycle ? charge.parts! : Math.min(charge.parts!, billed + 1);
        for (let part = billed + 1; part <= last; part++) instalmentsDue.push({ chargeId: charge.id, partIndex: part });
      }
    }
  }
  return {
    id: row.id,
    productId,
    events,
    recurringAnchor: periodContaining(p.cycleType, minDate(activatedOn, period.start)).start,
    ...(instalmentsDue.length > 0 ? { instalmentsDue } : {}),
  };
}

/**
 * The products one account's computation needs: those its subscriptions hold (with their charges),
 * and those its discounts require, as names only when the account does not hold them (a product
 * of another currency the account never held must not make its charges part of this account's input).
 */
function productsOf(catalog: CatalogSnapshot, subs: readonly Subscription[], discounts: readonly Discount[]): Product[] {
  const out = new Map<string, Product>();
  for (const s of subs)
    for (const id of [s.productId, ...s.events.flatMap((e) => (e.type === 'PRODUCT_CHANGED' ? [e.productId] : []))]) {
      const product = catalog.products.get(id);
      if (product) out.set(id, product);
    }
  for (const d of discounts)
    for (const id of d.requiredProductIds ?? []) {
      const product = catalog.products.get(id);
      if (product && !out.has(id)) out.set(id, { id, name: product.name, charges: [] });
    }
  return [...out.values()];
}

/** Advance billings (positive RECURRING lines of earlier invoices of ADVANCE charges) and the credits already given. */
function priorRecurring(lines: PriorLineRow[], catalog: CatalogSnapshot): { advance: AdvanceBilling[]; credits: AdvanceCredit[] } {
  const advance: AdvanceBilling[] = [];
  const credits: AdvanceCredit[] = [];
  for (const l of lines) {
    if (l.kind !== 'RECURRING') continue;
    const charge = catalog.charges.get(l.charge_id);
    if (charge?.kind !== 'RECURRING' || charge.timing !== 'ADVANCE') continue;
    const amount = BigInt(l.amount_minor) * (l.doc_type === 'CREDIT_NOTE' ? -1n : 1n);
    const period = { start: l.period_start, end: l.period_end };
    if (amount > 0n)
      advance.push({ subscriptionId: l.subscription_id, chargeId: l.charge_id, period, amountMinor: amount, currency: l.currency.trim() });
    else if (amount < 0n) credits.push({ subscriptionId: l.subscription_id, chargeId: l.charge_id, period });
  }
  return { advance, credits };
}

/** ClickHouse usage lines of one account as compute's aggregates (see the header for the rules). */
export function usageAggregates(p: {
  lines: readonly InvoiceUsageLine[];
  msisdnToSubscription: ReadonlyMap<string, string>;
  timeZone: string;
  cycle: LocalPeriod;
}): UsageAggregate[] {
  return p.lines.map((u) => {
    let start = localDateOf(u.firstOccurredAtMs, p.timeZone);
    let end = addDays(localDateOf(u.lastOccurredAtMs, p.timeZone), 1);
    if (u.late) {
      end = minDate(end, p.cycle.start);
      start = minDate(start, addDays(end, -1));
    } else {
      start = minDate(maxDate(start, p.cycle.start), addDays(p.cycle.end, -1));
      end = maxDate(minDate(end, p.cycle.end), addDays(start, 1));
    }
    return {
      subscriptionId: p.msisdnToSubscription.get(u.subscriberId) ?? `usage-${u.subscriberId}`,
      service: String(u.serviceId),
      ratingGroup: String(u.ratingGroup),
      zone: USAGE_ZONE_ANY,
      tariff: u.tariffId,
      unit: u.unit,
      quantity: u.billableUnits.toString(),
      amountMicros: u.amountMicros,
      currency: u.currency,
      taxCategory: USAGE_TAX_CATEGORY,
      period: { start, end },
      late: u.late,
    };
  });
}

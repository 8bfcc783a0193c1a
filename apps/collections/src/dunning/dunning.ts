/**
 * Dunning (issue 10, section 4): an overdue account gets a case, and the steps of its segment's policy
 * (dunning_step, a code table) are taken on their days, each once per case:
 *
 *   REMINDER_EMAIL, WARNING_SMS_EMAIL -> a dunning_notice per channel (delivered by the notice
 *     worker of the delivery channels; once per case, step and channel);
 *   SOFT_BAR -> charging's soft bar (outgoing barred: only free services), HARD_BAR -> charging's bar
 *     (barring.ts); TERMINATION -> a notice and the case listed for
 *     an operator (closing the contract is an operator's act); AGENCY_HANDOVER -> listed in the agency
 *     export; WRITE_OFF -> a payment of channel WRITE_OFF allocated to the overdue documents (ledger:
 *     WRITE_OFF expense against AR), reversible like any payment.
 *
 * Evaluated for every overdue account by `ratel dunning run` (daily), for the accounts a statement
 * import's batch paid once it committed (a page, as a run's), and for one account after each of its
 * other payments. Overdue = issued invoices past their due date, not fully paid, not disputed. A promise
 * to pay pauses escalation until its date; after it, escalation resumes. When nothing is overdue the
 * case closes and a bar dunning set is lifted.
 *
 * Once: a step's row (case, step) is written in the transaction of its effect; the bar is called inside
 * that transaction, so a failed call leaves the step untaken (tried again), and a crash after the call
 * calls it again (idempotent in charging).
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { INDEX_LOOKUPS_ONLY, withTransaction } from '@app/db';
import { mapConcurrently } from '@app/runtime';
import type { CollectionsEventInput, DunningNotice } from '@app/events';
import { writeCollectionsEvents } from '../events/collections-outbox';
import { LEDGER_ACCOUNT, ledgerTransactionIdOf } from '../matching/ledger-accounts';
import { paymentIdOf } from '../matching/apply-payment';
import type { BarLevel, BarringPort } from './barring';

export const DUNNING_ACTIONS = [
  'REMINDER_EMAIL',
  'WARNING_SMS_EMAIL',
  'SOFT_BAR',
  'HARD_BAR',
  'TERMINATION',
  'AGENCY_HANDOVER',
  'WRITE_OFF',
] as const;
export type DunningAction = (typeof DUNNING_ACTIONS)[number];
export const SEGMENTS = ['CONSUMER', 'BUSINESS'] as const;
/** Accounts evaluated per page of a run. */
export const DUNNING_PAGE_ACCOUNTS = 2_000;
/**
 * Pages of a run evaluated at once (each its own transaction and connection). On the 2-core box, 1M accounts
 * each taking a step: 65.6 s with 2, 61.6 s with 3, 68.0 s with 4 (RESULTS.md): one more than the cores, so
 * node builds a page while PostgreSQL writes two.
 */
export const DUNNING_PAGES_IN_FLIGHT = 3;
/** Days a promise to pay may reach into the future. */
export const PROMISE_DAYS_MAX = 90;

const sha1 = (t: string) => createHash('sha1').update(t).digest('hex');
const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** Longest case id (dunning_case.id). */
const CASE_ID_MAX_LENGTH = 64;

/** Cases one account may open on one day (each closed by a payment before the next): a bound on the id search. */
export const CASES_PER_ACCOUNT_DAY_MAX = 20;

/**
 * The id of the case an account's dunning opens on `today`, derived, so a retried evaluation opens the same
 * one: `dc-YYYYMMDD-<account id>`, or `dc-YYYYMMDD.<SHA-1 of the account id>` for an account id too long for
 * that (`.` is not in the account id alphabet, so the two forms never meet). A run opens its cases in account
 * order on one day, so their ids, and the notices' and actions' keys that start with them, grow with the run:
 * index inserts append instead of landing on a random page (RESULTS.md, "Dunning, third round").
 * The `n`-th case of the account that day (one closed by a payment, then opened again) gets `.<n>` after it.
 */
export function caseIdOf(accountId: string, today: string, n = 1): string {
  const day = today.replaceAll('-', '');
  const suffix = n === 1 ? '' : `.${n}`;
  const plain = `dc-${day}-${accountId}${suffix}`;
  return plain.length <= CASE_ID_MAX_LENGTH ? plain : `dc-${day}.${sha1(accountId)}${suffix}`;
}

/**
 * Opens an OPEN case for each account (account order) under its derived id; an id that is taken, by a case of the
 * same account closed earlier that day, moves on to the account's next id of the day. Returns the id each got.
 */
async function openCases(c: PoolClient, accountIds: readonly string[], today: string, now: Date): Promise<Map<string, string>> {
  const got = new Map<string, string>();
  let pending = accountIds.map((accountId) => ({ accountId, n: 1, id: caseIdOf(accountId, today) }));
  while (pending.length > 0) {
    const { rows } = await c.query<{ id: string }>(
      `insert into dunning_case (id, account_id, status, opened_on, created_at, updated_at)
       select id, a, 'OPEN', $3, $4, $4 from unnest($1::text[], $2::text[]) as t(id, a)
       on conflict (id) do nothing returning id`,
      [pending.map((k) => k.id), pending.map((k) => k.accountId), today, now],
    );
    const inserted = new Set(rows.map((r) => r.id));
    const next: typeof pending = [];
    for (const k of pending) {
      if (inserted.has(k.id)) got.set(k.accountId, k.id);
      else if (k.n >= CASES_PER_ACCOUNT_DAY_MAX)
        throw new Error(`account ${k.accountId} opened ${CASES_PER_ACCOUNT_DAY_MAX} dunning cases on ${today} (CASES_PER_ACCOUNT_DAY_MAX)`);
      else next.push({ ...k, n: k.n + 1, id: caseIdOf(k.accountId, today, k.n + 1) });
    }
    pending = next;
  }
  return got;
}

/** Open invoices past due and not disputed, of one account. */
const OVERDUE = `d.status in ('ISSUED', 'PARTIALLY_PAID') and d.type <> 'CREDIT_NOTE' and d.gross_minor > d.paid_minor and d.due_date < $2
  and not exists (select 1 from document_dispute x where x.document_id = d.id)`;

/** One step of a segment's policy (dunning_policy, dunning_step: code tables operators edit). */
export interface LadderStep {
  segment: string;
  stepNo: number;
  dayOffset: number;
  minOverdueMinor: bigint;
  action: DunningAction;
}

/** Every policy's steps, in step order (a few rows: read once per page or account evaluated, so an edit applies from the next one). */
async function readLadder(c: PoolClient): Promise<LadderStep[]> {
  const { rows } = await c.query<{
    segment: string;
    step_no: number;
    day_offset: number;
    min_overdue_minor: string;
    action: DunningAction;
  }>(
    `select p.segment, s.step_no, s.day_offset, s.min_overdue_minor::text as min_overdue_minor, s.action
     from dunning_policy p join dunning_step s on s.policy_code = p.code order by s.step_no`,
  );
  return rows.map((r) => ({
    segment: r.segment,
    stepNo: r.step_no,
    dayOffset: r.day_offset,
    minOverdueMinor: BigInt(r.min_overdue_minor),
    action: r.action,
  }));
}

/**
 * The steps due for a case, in step order: its segment's steps whose day has come (days since the oldest
 * overdue due date) and whose minimum overdue amount is reached, less those the case has taken. Pure.
 */
export function dueSteps(
  ladder: readonly LadderStep[],
  x: { segment: string; days: number; overdue: bigint; taken: ReadonlySet<number> },
): LadderStep[] {
  return ladder.filter((s) => s.segment === x.segment && s.dayOffset <= x.days && s.minOverdueMinor <= x.overdue && !x.taken.has(s.stepNo));
}

/** Accounts whose evaluation failed, listed in a run's summary. */
export const DUNNING_FAILURES_LISTED_MAX = 100;

export interface DunningRunSummary {
  accounts: number;
  stepsTaken: number;
  closed: number;
  /** Accounts whose evaluation failed (tried again at the next run or payment); `failed` lists the first DUNNING_FAILURES_LISTED_MAX. */
  failedAccounts: number;
  failed: { accountId: string; error: string }[];
}

export interface AccountOutcome {
  accountId: string;
  overdueMinor: string;
  caseId: string | null;
  paused: boolean;
  stepsTaken: DunningAction[];
  closed: boolean;
  unbarred: boolean;
}

/** What each step tells the customer (the notices rows and the DUNNING_STEP_TAKEN event say the same). */
export const DUNNING_NOTICES: Readonly<Record<DunningAction, DunningNotice[]>> = {
  REMINDER_EMAIL: [{ channel: 'EMAIL', template: 'REMINDER' }],
  WARNING_SMS_EMAIL: [
    { channel: 'SMS', template: 'WARNING' },
    { channel: 'EMAIL', template: 'WARNING' },
  ],
  SOFT_BAR: [],
  HARD_BAR: [],
  TERMINATION: [{ channel: 'EMAIL', template: 'TERMINATION' }],
  AGENCY_HANDOVER: [],
  WRITE_OFF: [],
};

/** What one page of a run did (Dunning.evaluatePage). */
export interface PageOutcome {
  stepsTaken: number;
  closed: number;
  /** Accounts whose unbar call failed: still barred by dunning, lifted at their next evaluation. */
  unbarFailed: { accountId: string; error: string }[];
  /** Accounts left for evaluateAccount: a bar, termination or write-off due. */
  oneByOne: string[];
}

/**
 * Calls to charging's unbar in flight at once while a page lifts its accounts' bars (a statement import's
 * batch may pay hundreds of barred accounts; one by one, the last of them waited for all the others).
 */
export const PAGE_UNBARS_IN_FLIGHT = 8;

/** The steps a page takes itself: their effect is rows (notices, the agency list), never a call to charging or money. */
const PAGE_ACTIONS: ReadonlySet<DunningAction> = new Set(['REMINDER_EMAIL', 'WARNING_SMS_EMAIL', 'AGENCY_HANDOVER']);

/** The recorded result of a step whose effect is its notices (PAGE_ACTIONS). Pure. */
function noticeStepResult(action: DunningAction): Record<string, unknown> {
  return action === 'AGENCY_HANDOVER' ? { handedOver: true } : { notices: DUNNING_NOTICES[action].map((n) => n.channel) };
}

/** The DUNNING_STEP_TAKEN event of a step. Pure. */
function stepTakenEvent(x: {
  accountId: string;
  caseId: string;
  stepNo: number;
  action: DunningAction;
  currency: string;
  overdue: bigint;
  oldest: string;
  today: string;
}): CollectionsEventInput {
  return {
    type: 'DUNNING_STEP_TAKEN',
    accountId: x.accountId,
    caseId: x.caseId,
    stepNo: x.stepNo,
    action: x.action,
    currency: x.currency,
    overdueMinor: x.overdue.toString(),
    oldestDueDate: x.oldest,
    takenOn: x.today,
    notices: DUNNING_NOTICES[x.action],
  };
}

export class Dunning {
  constructor(
    private readonly pool: Pool,
    private readonly barring: BarringPort | undefined,
    /** At TERMINATION, the account's held deposits are applied in the step's transaction (deposits.ts applyHeld); their ids. */
    private readonly onTermination?: (c: PoolClient, accountId: string, nowMs: number) => Promise<string[]>,
  ) {}

  /**
   * Every account with something overdue or an open case, a page at a time; `today` is YYYY-MM-DD.
   * A page is evaluated in one transaction with set-based reads and writes (evaluatePage); the accounts
   * whose step calls charging or moves money (a bar, an unbar, a termination, a write-off) are then
   * evaluated one by one (evaluateAccount), each in its own transaction. Both take the same steps.
   */
  async run(today: string, nowMs: number, onProgress?: (done: number, total: number) => void): Promise<DunningRunSummary> {
    const { rows } = await this.pool.query<{ account_id: string }>(
      `select distinct account_id from (
         select d.account_id from billing_document d where ${OVERDUE.replace('$2', '$1')}
         union select account_id from dunning_case where status = 'OPEN') a order by account_id`,
      [today],
    );
    return this.evaluateAll(
      rows.map((r) => r.account_id),
      today,
      nowMs,
      onProgress,
    );
  }

  /**
   * The accounts given, as a run evaluates its accounts (pages, then the bars, terminations and write-offs
   * one by one): the daily run's, or those of a statement import's batch after it committed (the payment
   * applier's hook, dunningAfterPayments), so a batch that pays 500 barred accounts lifts their bars in one
   * page instead of 500 transactions. Given twice, an account is evaluated once.
   */
  async evaluateAccounts(accountIds: readonly string[], today: string, nowMs: number): Promise<DunningRunSummary> {
    return this.evaluateAll([...new Set(accountIds)], today, nowMs);
  }

  /** evaluateAccounts of distinct accounts (a page locks its accounts in account order whatever their order here). */
  private async evaluateAll(
    ids: readonly string[],
    today: string,
    nowMs: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<DunningRunSummary> {
    let steps = 0;
    let closed = 0;
    let done = 0;
    let failedAccounts = 0;
    const failed: DunningRunSummary['failed'] = [];
    const fail = (accountId: string, e: unknown) => {
      failedAccounts++;
      // This account's step is not taken (its transaction rolled back) and is tried again at the next run; the others go on.
      if (failed.length < DUNNING_FAILURES_LISTED_MAX) failed.push({ accountId, error: (e as Error).message });
    };
    const pages: string[][] = [];
    for (let i = 0; i < ids.length; i += DUNNING_PAGE_ACCOUNTS) pages.push(ids.slice(i, i + DUNNING_PAGE_ACCOUNTS));
    // Pages hold disjoint accounts, so DUNNING_PAGES_IN_FLIGHT of them run at once without waiting on each other's locks.
    await mapConcurrently(pages, DUNNING_PAGES_IN_FLIGHT, async (page) => {
      let one: string[];
      try {
        const out = await this.evaluatePage(page, today, nowMs);
        steps += out.stepsTaken;
        closed += out.closed;
        for (const f of out.unbarFailed) fail(f.accountId, new Error(f.error));
        one = out.oneByOne;
      } catch {
        one = page; // the page rolled back as a whole: its accounts one by one, so one bad account fails alone
      }
      for (const accountId of one) {
        try {
          const out = await this.evaluateAccount(accountId, today, nowMs);
          steps += out.stepsTaken.length;
          if (out.closed) closed++;
        } catch (e) {
          fail(accountId, e);
        }
      }
      done += page.length;
      onProgress?.(done, ids.length);
    });
    return { accounts: ids.length, stepsTaken: steps, closed, failedAccounts, failed };
  }

  /**
   * One page of a run in ONE transaction, as evaluateAccount would do it account by account: the page's
   * dunning_account rows created and locked (account order: the lock evaluateAccount takes first, so the
   * two never interleave on an account), overdue amounts, open cases and the steps they took read in one
   * statement, the steps due computed here (dueSteps), then every case opened or closed, every notice,
   * action and DUNNING_STEP_TAKEN event written with one statement each. Accounts whose due steps are all notices (reminder, warning, agency
   * handover) are done here; those with a bar, termination or write-off due are returned, untouched, for
   * evaluateAccount. An account with nothing overdue has its case closed, and, when dunning barred it, its
   * bar lifted first: the unbar calls go out PAGE_UNBARS_IN_FLIGHT at a time inside the page's transaction
   * (as evaluateAccount calls inside its own); the flag is cleared and the case closed for the calls that
   * succeeded. A failed call leaves its account barred and its case open, so the next run (or payment)
   * evaluates it again, as a failed call in evaluateAccount rolls back.
   */
  async evaluatePage(accountIds: readonly string[], today: string, nowMs: number): Promise<PageOutcome> {
    const now = new Date(nowMs);
    // Every statement of a page reads or writes the page's accounts by key: plans that do not depend on
    // statistics, which lag behind on a first run that fills the dunning tables.
    return withTransaction(this.pool, (c) => this.evaluatePageIn(c, accountIds, today, now), { setLocal: INDEX_LOOKUPS_ONLY });
  }

  private async evaluatePageIn(c: PoolClient, accountIds: readonly string[], today: string, now: Date): Promise<PageOutcome> {
    await c.query(
      `insert into dunning_account (account_id, updated_at) select a, $2 from unnest($1::text[]) a order by a on conflict (account_id) do nothing`,
      [accountIds, now],
    );
    // Locked in a statement of its own, which also reads the locked rows (a row locked after a wait is read as
    // the holder committed it): the reads below then start after the locks, so they see what an evaluation
    // that held one committed.
    const { rows: locked } = await c.query<{
      account_id: string;
      segment: string;
      promise_until: string | null;
      barred_by_dunning: boolean;
    }>(
      `select account_id, segment, to_char(promise_until, 'YYYY-MM-DD') as promise_until, barred_by_dunning
     from dunning_account where account_id = any($1::text[]) order by account_id for update`,
      [accountIds],
    );
    // Per account, by its indexes (INDEX_LOOKUPS_ONLY): its overdue documents, its open case and the steps that case
    // took, the case looked up twice by correlated subqueries. A join to the case table instead (one look-up) was
    // planned, with the statistics of a case table believed empty, as a scan of the whole table per account: a
    // 100,000-account first run took 85 s instead of 7.
    const { rows: facts } = await c.query<{
      account_id: string;
      overdue: string;
      oldest: string | null;
      currency: string | null;
      case_id: string | null;
      taken: number[] | null;
    }>(
      `select a.id as account_id, coalesce(o.overdue, 0)::text as overdue, o.oldest, o.currency,
         (select k.id from dunning_case k where k.account_id = a.id and k.status = 'OPEN') as case_id,
         (select array_agg(x.step_no) from dunning_case k join dunning_action x on x.case_id = k.id
          where k.account_id = a.id and k.status = 'OPEN') as taken
       from unnest($1::text[]) as a(id)
       cross join lateral (
         select sum(d.gross_minor - d.paid_minor) as overdue, to_char(min(d.due_date), 'YYYY-MM-DD') as oldest, min(d.currency) as currency
         from billing_document d where d.account_id = a.id and ${OVERDUE}) o`,
      [accountIds, today],
    );
    const factsOf = new Map(facts.map((f) => [f.account_id, f]));
    const out: PageOutcome = { stepsTaken: 0, closed: 0, unbarFailed: [], oneByOne: [] };
    const toClose: string[] = [];
    const toUnbar: { accountId: string; caseId: string | null }[] = [];
    const newCases: string[] = [];
    const active: {
      accountId: string;
      caseId: string;
      segment: string;
      days: number;
      overdue: bigint;
      oldest: string;
      currency: string;
      taken: Set<number>;
    }[] = [];
    // Each locked row read beside its facts, never merged into a new object: spreading the driver's rows (and each
    // entry into its event, below) took a sixth of a first run's node CPU (RESULTS.md, "Dunning, fourth round").
    for (const l of locked) {
      const f = factsOf.get(l.account_id)!;
      const overdue = BigInt(f.overdue);
      if (overdue === 0n) {
        if (l.barred_by_dunning) toUnbar.push({ accountId: l.account_id, caseId: f.case_id });
        else if (f.case_id !== null) toClose.push(f.case_id);
        continue;
      }
      // (the id a new case opens under, unless one of the account's closed earlier today holds it: openCases below)
      const caseId = f.case_id ?? caseIdOf(l.account_id, today);
      if (f.case_id === null) newCases.push(l.account_id);
      if (l.promise_until !== null && l.promise_until >= today) continue;
      active.push({
        accountId: l.account_id,
        caseId,
        segment: l.segment,
        days: daysBetween(f.oldest!, today),
        overdue,
        oldest: f.oldest!,
        currency: f.currency ?? 'EUR',
        taken: new Set(f.taken ?? []),
      });
    }
    const ladder = await readLadder(c);
    const taken: { a: (typeof active)[number]; step: LadderStep }[] = [];
    const handedOff = new Set<string>();
    for (const a of active) {
      const steps = dueSteps(ladder, a);
      if (steps.some((st) => !PAGE_ACTIONS.has(st.action))) {
        handedOff.add(a.accountId);
        out.oneByOne.push(a.accountId);
      } else for (const step of steps) taken.push({ a, step });
    }
    const opened = newCases.filter((accountId) => !handedOff.has(accountId));
    if (toClose.length > 0)
      await c.query(`update dunning_case set status = 'CLOSED', closed_on = $2, updated_at = $3 where id = any($1::text[])`, [
        toClose,
        today,
        now,
      ]);
    if (opened.length > 0) {
      const ids = await openCases(c, opened, today, now);
      for (const a of active) a.caseId = ids.get(a.accountId) ?? a.caseId;
    }
    const notices = taken.flatMap(({ a, step }) => DUNNING_NOTICES[step.action].map((n) => ({ a, n })));
    if (notices.length > 0)
      await c.query(
        `insert into dunning_notice (id, case_id, account_id, channel, template, overdue_minor, created_at)
       select i, k, a, ch, tp, m, $7 from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) as t(i, k, a, ch, tp, m)
       on conflict (id) do nothing`,
        [
          notices.map(({ a, n }) => `${a.caseId}|${n.template}|${n.channel}`),
          notices.map(({ a }) => a.caseId),
          notices.map(({ a }) => a.accountId),
          notices.map(({ n }) => n.channel),
          notices.map(({ n }) => n.template),
          notices.map(({ a }) => a.overdue.toString()),
          now,
        ],
      );
    if (taken.length > 0) {
      await c.query(
        `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at)
       select k, n, ac, m, $6, r, $7 from unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::jsonb[]) as t(k, n, ac, m, r)`,
        [
          taken.map(({ a }) => a.caseId),
          taken.map(({ step }) => step.stepNo),
          taken.map(({ step }) => step.action),
          taken.map(({ a }) => a.overdue.toString()),
          taken.map(({ step }) => JSON.stringify(noticeStepResult(step.action))),
          today,
          now,
        ],
      );
      await writeCollectionsEvents(
        c,
        taken.map(({ a, step }) => ({
          input: stepTakenEvent({
            accountId: a.accountId,
            caseId: a.caseId,
            stepNo: step.stepNo,
            action: step.action,
            currency: a.currency,
            overdue: a.overdue,
            oldest: a.oldest,
            today,
          }),
          source: `${a.caseId}|${step.stepNo}`,
        })),
        now,
      );
    }
    out.stepsTaken = taken.length;
    out.closed = toClose.length;
    if (toUnbar.length > 0) await this.liftBars(c, toUnbar, today, now, out);
    return out;
  }

  /**
   * Lifts the bars of a page's paid-up accounts (locked by the page), PAGE_UNBARS_IN_FLIGHT calls to charging
   * at once; for those whose call succeeded, clears the flag and closes the case; records the others in `out`.
   */
  private async liftBars(
    c: PoolClient,
    accounts: readonly { accountId: string; caseId: string | null }[],
    today: string,
    now: Date,
    out: PageOutcome,
  ): Promise<void> {
    const tried = await mapConcurrently(accounts, PAGE_UNBARS_IN_FLIGHT, async (a) => {
      try {
        await this.barring?.unbar(a.accountId);
        return true;
      } catch (e) {
        out.unbarFailed.push({ accountId: a.accountId, error: (e as Error).message });
        return false;
      }
    });
    const lifted = accounts.filter((_, i) => tried[i]);
    if (lifted.length === 0) return;
    await c.query(`update dunning_account set barred_by_dunning = false, updated_at = $2 where account_id = any($1::text[])`, [
      lifted.map((a) => a.accountId),
      now,
    ]);
    const cases = lifted.flatMap((a) => (a.caseId === null ? [] : [a.caseId]));
    if (cases.length > 0)
      await c.query(`update dunning_case set status = 'CLOSED', closed_on = $2, updated_at = $3 where id = any($1::text[])`, [
        cases,
        today,
        now,
      ]);
    out.closed += cases.length;
  }

  async evaluateAccount(accountId: string, today: string, nowMs: number): Promise<AccountOutcome> {
    const now = new Date(nowMs);
    let unbar = false;
    const out = await withTransaction(this.pool, async (c) => {
      await c.query(`insert into dunning_account (account_id, updated_at) values ($1, $2) on conflict (account_id) do nothing`, [
        accountId,
        now,
      ]);
      const { rows: acc } = await c.query<{ segment: string; promise_until: string | null; barred_by_dunning: boolean }>(
        `select segment, to_char(promise_until, 'YYYY-MM-DD') as promise_until, barred_by_dunning from dunning_account where account_id = $1 for update`,
        [accountId],
      );
      const a = acc[0];
      const { rows: o } = await c.query<{ overdue: string; oldest: string | null; currency: string | null }>(
        `select coalesce(sum(d.gross_minor - d.paid_minor), 0)::text as overdue, to_char(min(d.due_date), 'YYYY-MM-DD') as oldest, min(d.currency) as currency
         from billing_document d where d.account_id = $1 and ${OVERDUE}`,
        [accountId, today],
      );
      const overdue = BigInt(o[0].overdue);
      const open = (
        await c.query<{ id: string }>(`select id from dunning_case where account_id = $1 and status = 'OPEN' for update`, [accountId])
      ).rows[0];
      const base: AccountOutcome = {
        accountId,
        overdueMinor: overdue.toString(),
        caseId: open?.id ?? null,
        paused: false,
        stepsTaken: [],
        closed: false,
        unbarred: false,
      };
      if (overdue === 0n) {
        if (open !== undefined) {
          await c.query(`update dunning_case set status = 'CLOSED', closed_on = $2, updated_at = $3 where id = $1`, [open.id, today, now]);
          base.closed = true;
        }
        if (a.barred_by_dunning) {
          // Lifted in this transaction: a failed call rolls the flag back, and the next evaluation tries again.
          await this.barring?.unbar(accountId);
          await c.query(`update dunning_account set barred_by_dunning = false, updated_at = $2 where account_id = $1`, [accountId, now]);
          unbar = true;
        }
        return base;
      }
      const caseId = open?.id ?? (await openCases(c, [accountId], today, now)).get(accountId)!;
      base.caseId = caseId;
      if (a.promise_until !== null && a.promise_until >= today) return { ...base, paused: true };
      const days = daysBetween(o[0].oldest!, today);
      const { rows: taken } = await c.query<{ step_no: number }>(`select step_no from dunning_action where case_id = $1`, [caseId]);
      const due = dueSteps(await readLadder(c), {
        segment: a.segment,
        days,
        overdue,
        taken: new Set(taken.map((t) => t.step_no)),
      });
      for (const step of due) {
        const result = await this.take(c, {
          accountId,
          caseId,
          action: step.action,
          overdue,
          currency: o[0].currency ?? 'EUR',
          today,
          now,
        });
        await c.query(
          `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at) values ($1, $2, $3, $4, $5, $6, $7)`,
          [caseId, step.stepNo, step.action, overdue.toString(), today, JSON.stringify(result), now],
        );
        await writeCollectionsEvents(
          c,
          [
            {
              input: stepTakenEvent({
                accountId,
                caseId,
                stepNo: step.stepNo,
                action: step.action,
                currency: o[0].currency ?? 'EUR',
                overdue,
                oldest: o[0].oldest!,
                today,
              }),
              source: `${caseId}|${step.stepNo}`,
            },
          ],
          now,
        );
        base.stepsTaken.push(step.action);
      }
      return base;
    });
    return { ...out, unbarred: unbar };
  }

  private async take(
    c: PoolClient,
    x: { accountId: string; caseId: string; action: DunningAction; overdue: bigint; currency: string; today: string; now: Date },
  ): Promise<Record<string, unknown>> {
    const notice = async (channel: 'EMAIL' | 'SMS', template: string) =>
      c.query(
        `insert into dunning_notice (id, case_id, account_id, channel, template, overdue_minor, created_at) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (id) do nothing`,
        [`${x.caseId}|${template}|${channel}`, x.caseId, x.accountId, channel, template, x.overdue.toString(), x.now],
      );
    const notices = DUNNING_NOTICES[x.action];
    for (const n of notices) await notice(n.channel, n.template);
    switch (x.action) {
      case 'REMINDER_EMAIL':
      case 'WARNING_SMS_EMAIL':
        return noticeStepResult(x.action);
      case 'SOFT_BAR':
      case 'HARD_BAR': {
        if (this.barring === undefined) throw new Error('dunning: barring needs CHARGING_API_URL and CHARGING_API_KEY');
        const level: BarLevel = x.action === 'SOFT_BAR' ? 'OUTGOING' : 'ALL';
        await this.barring.bar(x.accountId, level);
        await c.query(`update dunning_account set barred_by_dunning = true, updated_at = $2 where account_id = $1`, [x.accountId, x.now]);
        return { barred: true, level };
      }
      case 'TERMINATION': {
        const depositsApplied = (await this.onTermination?.(c, x.accountId, x.now.getTime())) ?? [];
        return { operator: 'terminate the contract', depositsApplied };
      }
      case 'AGENCY_HANDOVER':
        return noticeStepResult(x.action);
      case 'WRITE_OFF':
        return this.writeOff(c, x);
    }
  }

  /** Writes the overdue documents off: a WRITE_OFF payment allocated to them (ledger WRITE_OFF vs AR). */
  private async writeOff(
    c: PoolClient,
    x: { accountId: string; caseId: string; currency: string; today: string; now: Date },
  ): Promise<Record<string, unknown>> {
    const { rows } = await c.query<{ id: string; open: string }>(
      `select d.id, (d.gross_minor - d.paid_minor)::text as open from billing_document d where d.account_id = $1 and ${OVERDUE} and d.currency = $3
       order by d.issue_date, d.id for update`,
      [x.accountId, x.today, x.currency],
    );
    const amount = rows.reduce((s, r) => s + BigInt(r.open), 0n);
    if (amount === 0n) return { writtenOffMinor: '0' };
    // The payment's key is (WRITE_OFF, dunning, the case): its id as every payment's (paymentIdOf).
    const paymentId = paymentIdOf({ channel: 'WRITE_OFF', source: 'dunning', bankReference: x.caseId });
    const txId = ledgerTransactionIdOf(`write-off|${paymentId}`);
    await c.query(
      `insert into payment (id, channel, source, bank_reference, account_id, currency, amount_minor, unapplied_minor, value_date, booking_date,
         remittance_info, status, created_at, updated_at)
       values ($1, 'WRITE_OFF', 'dunning', $2, $3, $4, $5, 0, $6, $6, 'written off by dunning', 'ALLOCATED', $7, $7)`,
      [paymentId, x.caseId, x.accountId, x.currency, amount.toString(), x.today, x.now],
    );
    await c.query(
      `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $2, 'WRITE_OFF', $3, $4, $5, $6)`,
      [txId, `write-off|${paymentId}`, paymentId, x.currency, x.today, x.now],
    );
    await c.query(
      `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor) values ($1, 1, $2, null, $4), ($1, 2, 'AR', $3, -$4::bigint)`,
      [txId, LEDGER_ACCOUNT.WRITE_OFF, x.accountId, amount.toString()],
    );
    await c.query(
      `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
       select $1, d, m, $2, $3 from unnest($4::text[], $5::bigint[]) as t(d, m)`,
      [paymentId, txId, x.now, rows.map((r) => r.id), rows.map((r) => r.open)],
    );
    await c.query(`update billing_document set paid_minor = gross_minor, status = 'PAID', updated_at = $2 where id = any($1::text[])`, [
      rows.map((r) => r.id),
      x.now,
    ]);
    return { writtenOffMinor: amount.toString(), paymentId, documents: rows.map((r) => r.id) };
  }

  // ---- operator inputs ----

  async setSegment(accountId: string, segment: string, nowMs: number): Promise<void> {
    await this.pool.query(
      `insert into dunning_account (account_id, segment, updated_at) values ($1, $2, $3)
       on conflict (account_id) do update set segment = excluded.segment, updated_at = excluded.updated_at`,
      [accountId, segment, new Date(nowMs)],
    );
  }

  async promiseToPay(accountId: string, until: string | null, note: string | null, nowMs: number): Promise<void> {
    await this.pool.query(
      `insert into dunning_account (account_id, promise_until, promise_note, updated_at) values ($1, $2, $3, $4)
       on conflict (account_id) do update set promise_until = excluded.promise_until, promise_note = excluded.promise_note, updated_at = excluded.updated_at`,
      [accountId, until, note, new Date(nowMs)],
    );
  }

  async dispute(documentId: string, reason: string, by: string, nowMs: number): Promise<boolean> {
    const r = await this.pool.query(
      `insert into document_dispute (document_id, reason, opened_by, created_at) values ($1, $2, $3, $4) on conflict (document_id) do nothing`,
      [documentId, reason, by, new Date(nowMs)],
    );
    return r.rowCount === 1;
  }

  async documentExists(documentId: string): Promise<boolean> {
    return ((await this.pool.query(`select 1 from billing_document where id = $1`, [documentId])).rowCount ?? 0) === 1;
  }

  async undispute(documentId: string): Promise<boolean> {
    return ((await this.pool.query(`delete from document_dispute where document_id = $1`, [documentId])).rowCount ?? 0) === 1;
  }

  // ---- reads ----

  async accountState(accountId: string): Promise<Record<string, unknown>> {
    const [acc, cases, notices] = await Promise.all([
      this.pool.query(
        `select segment, to_char(promise_until, 'YYYY-MM-DD') as "promiseUntil", promise_note as "promiseNote", barred_by_dunning as "barredByDunning"
         from dunning_account where account_id = $1`,
        [accountId],
      ),
      this.pool.query(
        `select c.id, c.status, to_char(c.opened_on, 'YYYY-MM-DD') as "openedOn", to_char(c.closed_on, 'YYYY-MM-DD') as "closedOn",
           coalesce((select json_agg(json_build_object('stepNo', a.step_no, 'action', a.action, 'takenOn', a.taken_on, 'overdueMinor', a.overdue_minor::text, 'result', a.result)
             order by a.step_no) from dunning_action a where a.case_id = c.id), '[]') as steps
         from dunning_case c where c.account_id = $1 order by c.created_at desc limit 20`,
        [accountId],
      ),
      this.pool.query(
        `select id, channel, template, overdue_minor::text as "overdueMinor", status from dunning_notice where account_id = $1 order by created_at desc, id limit 50`,
        [accountId],
      ),
    ]);
    return {
      accountId,
      segment: acc.rows[0]?.segment ?? 'CONSUMER',
      promiseUntil: acc.rows[0]?.promiseUntil ?? null,
      barredByDunning: acc.rows[0]?.barredByDunning ?? false,
      cases: cases.rows,
      notices: notices.rows,
    };
  }

  async policies(): Promise<unknown[]> {
    const { rows } = await this.pool.query(
      `select p.code, p.segment, p.description,
         (select json_agg(json_build_object('stepNo', s.step_no, 'dayOffset', s.day_offset, 'minOverdueMinor', s.min_overdue_minor::text, 'action', s.action)
           order by s.step_no) from dunning_step s where s.policy_code = p.code) as steps
       from dunning_policy p order by p.code`,
    );
    return rows;
  }

  /** The accounts handed to the collection agency on `day` (AGENCY_HANDOVER taken that day), as CSV. */
  async agencyHandover(day: string): Promise<string> {
    const { rows } = await this.pool.query<{ account_id: string; case_id: string; overdue: string; customer: string | null }>(
      `select c.account_id, c.id as case_id, a.overdue_minor::text as overdue, cu.name as customer
       from dunning_action a join dunning_case c on c.id = a.case_id join billing_account b on b.id = c.account_id left join customer cu on cu.id = b.customer_id
       where a.action = 'AGENCY_HANDOVER' and a.taken_on = $1 order by c.account_id`,
      [day],
    );
    const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    return (
      [
        'account_id,case_id,customer,overdue_minor',
        ...rows.map((r) => [r.account_id, r.case_id, r.customer ?? '', r.overdue].map(field).join(',')),
      ].join('\r\n') + '\r\n'
    );
  }

  /** Payment morale: of the account's invoices due so far, the share paid by the due date, and the average days late of those paid late. */
  async morale(
    accountId: string,
    today: string,
  ): Promise<{ accountId: string; invoicesDue: number; paidOnTime: number; onTimeRatio: string | null; averageDaysLate: string | null }> {
    const { rows } = await this.pool.query<{ due: number; on_time: number; late_days: string | null }>(
      `with docs as (
         select d.id, d.due_date, d.gross_minor, d.paid_minor,
           (select max(a.created_at)::date from payment_allocation a join payment p on p.id = a.payment_id
             where a.document_id = d.id and p.channel <> 'WRITE_OFF'
               and not exists (select 1 from payment_allocation_reversal r where r.allocation_id = a.id)) as paid_on
         from billing_document d where d.account_id = $1 and d.type in ('INVOICE', 'DEBIT_NOTE') and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
           and d.due_date < $2)
       select count(*)::int as due,
         count(*) filter (where paid_minor = gross_minor and paid_on <= due_date)::int as on_time,
         avg(greatest(coalesce(case when paid_minor = gross_minor then paid_on end, $2::date) - due_date, 0))
           filter (where not (paid_minor = gross_minor and paid_on <= due_date))::numeric(10, 1)::text as late_days
       from docs`,
      [accountId, today],
    );
    const r = rows[0];
    return {
      accountId,
      invoicesDue: r.due,
      paidOnTime: r.on_time,
      onTimeRatio: r.due === 0 ? null : (r.on_time / r.due).toFixed(3),
      averageDaysLate: r.late_days,
    };
  }
}

/**
 * Resolves parsed records to their postpaid account and price plan through the engine's
 * projection (SubscriberDirectory), caching every answer for the run of one file: a file is rated
 * against one consistent snapshot of routes and plans, and each subscriber, account and plan
 * costs one Redis read per file. Records that cannot be rated become rejects with the reason.
 */
import { createHash } from 'node:crypto';
import { parsePricePlan, RatingError } from '@app/rating';
import { CdrRecord, CdrRejectCode, CdrReject } from '../cdr-formats';
import { PlanRef, RatingTask, TaskRecord, TaskRoute, taskColumns } from '../rating/rating-task';
import type { SubscriberDirectory, SubscriberRoute } from '../storage/subscriber-directory';

export interface NumberedRecord {
  lineNumber: number;
  record: CdrRecord;
}

export interface Resolution {
  task: RatingTask;
  rejects: (CdrReject & { lineNumber: number })[];
}

type PlanEntry = { ok: true; ref: PlanRef; currency: string } | ({ ok: false } & CdrReject);

/** Hex digits of the plan JSON's SHA-1 in a plan key. */
const PLAN_KEY_HASH_HEX = 16;

function planEntry(planId: string, json: string | undefined): PlanEntry {
  if (json === undefined) return { ok: false, code: CdrRejectCode.PLAN_NOT_FOUND, reason: `price plan ${planId} is not in the engine` };
  try {
    const plan = parsePricePlan(JSON.parse(json) as unknown);
    const key = `${planId}@${createHash('sha1').update(json).digest('hex').slice(0, PLAN_KEY_HASH_HEX)}`;
    return { ok: true, ref: { key, json }, currency: plan.currency };
  } catch (err) {
    const why = err instanceof RatingError || err instanceof SyntaxError ? err.message : String(err);
    return { ok: false, code: CdrRejectCode.INVALID_PLAN, reason: `price plan ${planId} does not parse: ${why}` };
  }
}

export class RecordResolver {
  private readonly routes = new Map<string, SubscriberRoute | undefined>();
  private readonly accountTypes = new Map<string, string | undefined>();
  private readonly plans = new Map<string, PlanEntry>();

  constructor(
    private readonly directory: SubscriberDirectory,
    private readonly fileId: string,
    private readonly unit: 'SECONDS' | 'BYTES',
  ) {}

  async resolve(batch: readonly NumberedRecord[]): Promise<Resolution> {
    await this.load(batch);
    const usedPlans = new Map<string, PlanRef>();
    const routes = new Map<SubscriberRoute, number>();
    const taskRoutes: TaskRoute[] = [];
    const records: TaskRecord[] = [];
    const rejects: Resolution['rejects'] = [];
    for (const { lineNumber, record } of batch) {
      const r = this.check(record);
      if ('code' in r) {
        rejects.push({ lineNumber, ...r });
        continue;
      }
      usedPlans.set(r.plan.key, r.plan);
      let index = routes.get(r.route);
      if (index === undefined) {
        index =
          taskRoutes.push({ accountId: r.route.accountId, planKey: r.plan.key, timeZone: r.route.timeZone, cycleDay: r.route.cycleDay }) -
          1;
        routes.set(r.route, index);
      }
      records.push(taskRecord(lineNumber, record, index));
    }
    const task: RatingTask = {
      fileId: this.fileId,
      unit: this.unit,
      plans: [...usedPlans.values()],
      routes: taskRoutes,
      records: taskColumns(records),
    };
    return { task, rejects };
  }

  /** Reads what the cache lacks: routes, then their accounts and plans (two round trips at most). */
  private async load(batch: readonly NumberedRecord[]): Promise<void> {
    const subscribers = [...new Set(batch.map((b) => b.record.subscriberId).filter((s) => !this.routes.has(s)))];
    for (const [id, route] of await this.directory.routes(subscribers)) this.routes.set(id, route);
    const routes = [...new Set(batch.map((b) => this.routes.get(b.record.subscriberId)))].filter(
      (r): r is SubscriberRoute => r !== undefined,
    );
    const accounts = [...new Set(routes.map((r) => r.accountId).filter((a) => !this.accountTypes.has(a)))];
    const planIds = [...new Set(routes.map((r) => r.planId).filter((p) => !this.plans.has(p)))];
    const [types, plans] = await Promise.all([this.directory.accountTypes(accounts), this.directory.plans(planIds)]);
    for (const [id, type] of types) this.accountTypes.set(id, type);
    for (const [id, json] of plans) this.plans.set(id, planEntry(id, json));
  }

  private check(record: CdrRecord): CdrReject | { route: SubscriberRoute; plan: PlanRef } {
    const route = this.routes.get(record.subscriberId);
    if (route === undefined) {
      return { code: CdrRejectCode.UNKNOWN_SUBSCRIBER, reason: `subscriber ${record.subscriberId} is not routed to an account` };
    }
    const type = this.accountTypes.get(route.accountId);
    if (type === undefined) return { code: CdrRejectCode.ACCOUNT_NOT_FOUND, reason: `account ${route.accountId} is not in the engine` };
    if (type !== 'POSTPAID') {
      return { code: CdrRejectCode.NOT_POSTPAID, reason: `account ${route.accountId} is ${type}; mediation rates postpaid accounts only` };
    }
    const plan = this.plans.get(route.planId)!;
    if (!plan.ok) return { code: plan.code, reason: plan.reason };
    if (plan.currency !== route.currency) {
      return {
        code: CdrRejectCode.CURRENCY_MISMATCH,
        reason: `account ${route.accountId} bills in ${route.currency}, plan ${route.planId} prices in ${plan.currency}`,
      };
    }
    return { route, plan: plan.ref };
  }
}

function taskRecord(lineNumber: number, r: CdrRecord, route: number): TaskRecord {
  const t: TaskRecord = {
    lineNumber,
    recordId: r.recordId,
    subscriberId: r.subscriberId,
    route,
    ratingGroup: r.ratingGroup,
    serviceId: r.serviceId,
    startMs: r.startMs,
    units: r.units,
    roaming: r.roaming,
  };
  if (r.calledNumber !== undefined) t.calledNumber = r.calledNumber;
  return t;
}

/** The piscina worker of the CDR rating pool: one task = one batch of records (rate-batch.ts). */
import { CDR_WORKER_PLANS_MAX } from '../cdr.limits';
import { PlanCache, rateBatch } from './rate-batch';
import type { RatingResult, RatingTask } from './rating-task';

const plans = new PlanCache(CDR_WORKER_PLANS_MAX);

export default function rateTask(task: RatingTask): RatingResult {
  return rateBatch(task, plans);
}

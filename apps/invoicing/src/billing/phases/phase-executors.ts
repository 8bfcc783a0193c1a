/** The executors of the seven phases of an invoice run, from the worker's dependencies. */
import type { RunPhase } from '../run/run-phases';
import type { PhaseExecutor } from '../run/run-worker';
import type { DocumentStore } from '../render/document-store';
import type { BillingDeps } from './billing-deps';
import { ComputeExecutor } from './compute.executor';
import { DeliverExecutor } from './deliver.executor';
import { FinalizeExecutor } from './finalize.executor';
import { PlanExecutor } from './plan.executor';
import { RenderExecutor } from './render.executor';
import { ReportExecutor } from './report.executor';
import { ValidateExecutor } from './validate.executor';

export function buildPhaseExecutors(d: BillingDeps, documentStore: DocumentStore): ReadonlyMap<RunPhase, PhaseExecutor> {
  const executors: PhaseExecutor[] = [
    new PlanExecutor(d),
    new ComputeExecutor(d),
    new ValidateExecutor(d),
    new FinalizeExecutor(d),
    new RenderExecutor(d, documentStore),
    new DeliverExecutor(d),
    new ReportExecutor(d),
  ];
  return new Map(executors.map((e) => [e.phase, e]));
}

/**
 * The billing API of the invoicing app (runs now; cycles, documents and the review queue next),
 * mounted by the process when DATABASE_URL is set. The process owns the service's resources (the
 * PostgreSQL pool, the coordinators it drives) and stops them.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { InvoicingAuthGuard } from '../../api/auth.guard';
import { InvoiceRunService } from '../run/run-service';
import { RunsController } from './runs.controller';

export interface BillingApiDeps {
  runs: InvoiceRunService;
}

@Module({})
export class BillingApiModule {
  static forRoot(deps: BillingApiDeps): DynamicModule {
    return {
      module: BillingApiModule,
      controllers: [RunsController],
      providers: [InvoicingAuthGuard, { provide: InvoiceRunService, useValue: deps.runs }],
    };
  }
}

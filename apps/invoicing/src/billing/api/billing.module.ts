/**
 * The billing API of the invoicing app (runs now; cycles, documents and the review queue next),
 * mounted by the process when DATABASE_URL is set. The process owns the service's resources (the
 * PostgreSQL pool, the coordinators it drives) and stops them.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { InvoicingAuthGuard } from '../../api/auth.guard';
import { UsageAssuranceService } from '../assurance/usage-assurance';
import { AccountCycleService } from '../cycles/account-cycle';
import { CycleAdminService } from '../cycles/cycle-admin';
import { BillingDocumentService } from '../documents/document-service';
import type { DocumentStore } from '../render/document-store';
import { InvoiceRunService } from '../run/run-service';
import { BillingAccountsController } from './accounts.controller';
import { CyclesController } from './cycles.controller';
import { DOCUMENT_STORE } from './billing.tokens';
import { DocumentsController } from './documents.controller';
import { ReviewController } from './review.controller';
import { RunsController } from './runs.controller';
import { Tmf678Controller } from './tmf678.controller';
import { UsageAssuranceController } from './usage-assurance.controller';

export interface BillingApiDeps {
  runs: InvoiceRunService;
  documents: BillingDocumentService;
  store: DocumentStore;
  accountCycles: AccountCycleService;
  cycles: CycleAdminService;
  usageAssurance: UsageAssuranceService;
}

@Module({})
export class BillingApiModule {
  static forRoot(deps: BillingApiDeps): DynamicModule {
    return {
      module: BillingApiModule,
      controllers: [
        RunsController,
        DocumentsController,
        ReviewController,
        Tmf678Controller,
        BillingAccountsController,
        CyclesController,
        UsageAssuranceController,
      ],
      providers: [
        InvoicingAuthGuard,
        { provide: InvoiceRunService, useValue: deps.runs },
        { provide: BillingDocumentService, useValue: deps.documents },
        { provide: DOCUMENT_STORE, useValue: deps.store },
        { provide: AccountCycleService, useValue: deps.accountCycles },
        { provide: CycleAdminService, useValue: deps.cycles },
        { provide: UsageAssuranceService, useValue: deps.usageAssurance },
      ],
    };
  }
}

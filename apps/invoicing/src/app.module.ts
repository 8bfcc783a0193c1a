/**
 * The invoicing HTTP app: shared resources (InvoicingInfraModule, global), the usage API, revenue
 * assurance and the operations endpoints. Feature modules that need more than the shared
 * resources are passed in as `features` by the process, which owns their clients.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { InvoicingInfraModule, type InvoicingHttpDeps } from './api/infra.module';
import { OpsController } from './api/ops.controller';
import { AssuranceModule } from './assurance/assurance.module';
import { UsageModule } from './usage/usage.module';

@Module({})
export class InvoicingAppModule {
  static forRoot(deps: InvoicingHttpDeps, features: DynamicModule[] = []): DynamicModule {
    return {
      module: InvoicingAppModule,
      imports: [InvoicingInfraModule.forRoot(deps), UsageModule, AssuranceModule, ...features],
      controllers: [OpsController],
    };
  }
}

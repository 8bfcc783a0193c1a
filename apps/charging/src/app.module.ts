/** The charging app: gRPC gateway, balance engine, outbox relay, expiry sweeper, provisioning REST. */
import { DynamicModule, Module } from '@nestjs/common';

import { BalanceModule } from './balance/balance.module';
import { ChargingGrpcModule } from './charging/charging-grpc.module';
import { InfraModule } from './infra/infra.module';
import { OpsModule } from './ops/ops.module';
import { OutboxModule } from './outbox/outbox.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { type ChargingConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: ChargingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [InfraModule.forRoot(config), OpsModule, BalanceModule, ChargingGrpcModule, OutboxModule, ProvisioningModule],
    };
  }
}

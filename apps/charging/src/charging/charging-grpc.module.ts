/**
 * The charging gRPC feature: charging.v1.ChargingService with health and reflection on a plain
 * grpc-js server (GrpcServerService), its use cases and the plan cache. Needs InfraModule
 * (config, clock, logger, metrics registry) and takes BALANCE_ENGINE from BalanceModule.
 */
import { Module } from '@nestjs/common';
import { METRICS_REGISTRY } from '@app/observability';
import type { Registry } from 'prom-client';
import { BalanceModule } from '../balance/balance.module';
import { ChargingGrpcController } from './charging-grpc.controller';
import { GrpcMetrics } from './grpc-metrics';
import { GrpcServerService } from './grpc-server.service';
import { PlanCache } from './plan-cache';
import { RouteCache } from './route-cache';
import { SubscriberAccounts } from './subscriber-accounts';
import { CheckBalanceUseCase } from './usecases/check-balance.usecase';
import { DebitEventUseCase } from './usecases/debit-event.usecase';
import { GetBalanceUseCase } from './usecases/get-balance.usecase';
import { PriceEnquiryUseCase } from './usecases/price-enquiry.usecase';
import { RefundEventUseCase } from './usecases/refund-event.usecase';
import { SessionCharging } from './usecases/session-charging';
import { StartSessionUseCase } from './usecases/start-session.usecase';
import { TerminateSessionUseCase } from './usecases/terminate-session.usecase';
import { UpdateSessionUseCase } from './usecases/update-session.usecase';

@Module({
  imports: [BalanceModule],
  providers: [
    { provide: GrpcMetrics, useFactory: (registry: Registry) => new GrpcMetrics(registry), inject: [METRICS_REGISTRY] },
    PlanCache,
    RouteCache,
    SubscriberAccounts,
    SessionCharging,
    StartSessionUseCase,
    UpdateSessionUseCase,
    TerminateSessionUseCase,
    DebitEventUseCase,
    RefundEventUseCase,
    CheckBalanceUseCase,
    PriceEnquiryUseCase,
    GetBalanceUseCase,
    ChargingGrpcController,
    GrpcServerService,
  ],
  exports: [GrpcServerService],
})
export class ChargingGrpcModule {}

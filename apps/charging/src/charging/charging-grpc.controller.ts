/**
 * The charging API's handlers: request -> command (validates itself) -> one use case -> response.
 * No business rule lives here; errors propagate to the transport's error mapper.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  CheckBalanceRequest,
  CheckBalanceResponse,
  DebitEventRequest,
  DebitEventResponse,
  GetBalanceRequest,
  GetBalanceResponse,
  PriceEnquiryRequest,
  PriceEnquiryResponse,
  RefundEventRequest,
  RefundEventResponse,
  StartSessionRequest,
  StartSessionResponse,
  TerminateSessionRequest,
  TerminateSessionResponse,
  UnitType,
  UpdateSessionRequest,
  UpdateSessionResponse,
} from '@app/proto';
import { Clock, CLOCK } from '@app/observability';
import type { ChargingApi } from './charging-api';
import { getBalanceResponse, money, moneyOf, resultCode, sessionResponse, unitType } from './charging-response.mapper';
import { DebitEventCommand, GetBalanceCommand, RefundEventCommand, ServiceEnquiryCommand } from './commands/event-request.command';
import { SessionRequestCommand } from './commands/session-request.command';
import { CheckBalanceUseCase } from './usecases/check-balance.usecase';
import { DebitEventUseCase } from './usecases/debit-event.usecase';
import { GetBalanceUseCase } from './usecases/get-balance.usecase';
import { PriceEnquiryUseCase } from './usecases/price-enquiry.usecase';
import { RefundEventUseCase } from './usecases/refund-event.usecase';
import { StartSessionUseCase } from './usecases/start-session.usecase';
import { TerminateSessionUseCase } from './usecases/terminate-session.usecase';
import { UpdateSessionUseCase } from './usecases/update-session.usecase';

@Injectable()
export class ChargingGrpcController implements ChargingApi {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly startSessionUseCase: StartSessionUseCase,
    private readonly updateSessionUseCase: UpdateSessionUseCase,
    private readonly terminateSessionUseCase: TerminateSessionUseCase,
    private readonly debitEventUseCase: DebitEventUseCase,
    private readonly refundEventUseCase: RefundEventUseCase,
    private readonly checkBalanceUseCase: CheckBalanceUseCase,
    private readonly priceEnquiryUseCase: PriceEnquiryUseCase,
    private readonly getBalanceUseCase: GetBalanceUseCase,
  ) {}

  async startSession(req: StartSessionRequest): Promise<StartSessionResponse> {
    const command = SessionRequestCommand.create('START', req, this.clock.nowMs());
    return sessionResponse(command, await this.startSessionUseCase.execute(command));
  }

  async updateSession(req: UpdateSessionRequest): Promise<UpdateSessionResponse> {
    const command = SessionRequestCommand.create('UPDATE', req, this.clock.nowMs());
    return sessionResponse(command, await this.updateSessionUseCase.execute(command));
  }

  async terminateSession(req: TerminateSessionRequest): Promise<TerminateSessionResponse> {
    const command = SessionRequestCommand.create('TERMINATE', req, this.clock.nowMs());
    return sessionResponse(command, await this.terminateSessionUseCase.execute(command));
  }

  async debitEvent(req: DebitEventRequest): Promise<DebitEventResponse> {
    const command = DebitEventCommand.create(req, this.clock.nowMs());
    const answer = await this.debitEventUseCase.execute(command);
    const currency = answer.balance?.currency ?? '';
    return {
      requestId: command.requestId,
      resultCode: resultCode(answer.resultCode),
      debitedAmount: money(answer.debitedMicros, currency),
      allowanceUnits: BigInt(answer.allowanceUnits),
      balance: moneyOf(answer.balance),
    };
  }

  async refundEvent(req: RefundEventRequest): Promise<RefundEventResponse> {
    const command = RefundEventCommand.create(req);
    const answer = await this.refundEventUseCase.execute(command);
    return {
      requestId: command.requestId,
      resultCode: resultCode(answer.resultCode),
      refundedAmount: money(answer.refundedMicros, answer.balance?.currency ?? ''),
      balance: moneyOf(answer.balance),
    };
  }

  async checkBalance(req: CheckBalanceRequest): Promise<CheckBalanceResponse> {
    const answer = await this.checkBalanceUseCase.execute(ServiceEnquiryCommand.create(req, this.clock.nowMs()));
    return { resultCode: resultCode(answer.resultCode) };
  }

  async priceEnquiry(req: PriceEnquiryRequest): Promise<PriceEnquiryResponse> {
    const answer = await this.priceEnquiryUseCase.execute(ServiceEnquiryCommand.create(req, this.clock.nowMs()));
    return {
      resultCode: resultCode(answer.resultCode),
      price: moneyOf(answer.price),
      unit: answer.unit ? unitType(answer.unit) : UnitType.UNSPECIFIED,
    };
  }

  async getBalance(req: GetBalanceRequest): Promise<GetBalanceResponse> {
    return getBalanceResponse(await this.getBalanceUseCase.execute(GetBalanceCommand.create(req)));
  }
}

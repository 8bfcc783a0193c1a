/**
 * The charging API as plain async functions of decoded messages: what the transport adapter
 * (plain grpc-js here; @nestjs/microservices would do as well) calls for each RPC.
 */
import {
  CheckBalanceRequest,
  CheckBalanceResponse,
  DebitEventRequest,
  DebitEventResponse,
  GetBalanceRequest,
  GetBalanceResponse,
  MessageFns,
  PriceEnquiryRequest,
  PriceEnquiryResponse,
  RefundEventRequest,
  RefundEventResponse,
  StartSessionRequest,
  StartSessionResponse,
  TerminateSessionRequest,
  TerminateSessionResponse,
  UpdateSessionRequest,
  UpdateSessionResponse,
} from '@app/proto';

export interface ChargingApi {
  startSession(req: StartSessionRequest): Promise<StartSessionResponse>;
  updateSession(req: UpdateSessionRequest): Promise<UpdateSessionResponse>;
  terminateSession(req: TerminateSessionRequest): Promise<TerminateSessionResponse>;
  debitEvent(req: DebitEventRequest): Promise<DebitEventResponse>;
  refundEvent(req: RefundEventRequest): Promise<RefundEventResponse>;
  checkBalance(req: CheckBalanceRequest): Promise<CheckBalanceResponse>;
  priceEnquiry(req: PriceEnquiryRequest): Promise<PriceEnquiryResponse>;
  getBalance(req: GetBalanceRequest): Promise<GetBalanceResponse>;
}

export type ChargingMethod = keyof ChargingApi;

/** The decoder of each RPC's request message. */
export const REQUEST_CODECS: { [K in ChargingMethod]: MessageFns<Parameters<ChargingApi[K]>[0]> } = {
  startSession: StartSessionRequest,
  updateSession: UpdateSessionRequest,
  terminateSession: TerminateSessionRequest,
  debitEvent: DebitEventRequest,
  refundEvent: RefundEventRequest,
  checkBalance: CheckBalanceRequest,
  priceEnquiry: PriceEnquiryRequest,
  getBalance: GetBalanceRequest,
};

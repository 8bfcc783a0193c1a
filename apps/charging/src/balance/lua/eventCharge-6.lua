--[[
  eventCharge_v1: a one-shot charge (SMS, MMS, content) keyed by requestId.
    DEBIT   rate the units (setup fee included: an event is its own session), allowances first
            (valid now, unit and rating group matching, first-to-expire first), then money;
            all or nothing: CREDIT_LIMIT_REACHED when the money exceeds the available funds.
            One DEBIT event; the record keeps what was taken for a later refund.
    REFUND  gives back the money and allowance units of an earlier DEBIT of this account (by its
            requestId), at most once; NOT_FOUND when no such successful debit is on record
            (records live IDEMPOTENCY_TTL_MS). One REFUND event with a negative amount.
    CHECK   read-only "would a DEBIT pass now": writes nothing, stores nothing.
  Barred or closed accounts: DEBIT/CHECK answer END_USER_SERVICE_DENIED; a REFUND still passes.
  A SOFT_BARRED account is denied too unless the rate is free (rateIsFree).

  KEYS[1] P{b:N}:acct:<accountId>                  account hash
  KEYS[2] P{b:N}:bkt:<accountId>                   allowance buckets
  KEYS[3] P{b:N}:cyc:<accountId>                   cycle usage counters
  KEYS[4] P{b:N}:idem:<accountId>:<requestId>      this request's record {h, reply, debit?}
  KEYS[5] P{b:N}:idem:<accountId>:<refundOf>       REFUND: the refunded debit's record (else = KEYS[4])
  KEYS[6] P{b:N}:outbox                            outbox stream
  ARGV[1] JSON {kind, acct, sub, req, h, now, cycle, rg, svc, units, rate?, refundOf?, ttl}

  Reply: {replyJson, replayed (0|1)}; replyJson = {code, debited (negative for a refund),
         allowanceUnits, balance}, money as decimal strings. USER_UNKNOWN is not stored.
  Errors: DUPLICATE_MISMATCH  this requestId was used before with another request hash
          ALREADY_REFUNDED    the debit was refunded by another request
          LIMIT_EXCEEDED      the refund would take the balance beyond 2^53 - 1 micros
]]
--- @include "core"
--- @include "rating"
--- @include "cycle"
--- @include "account"
--- @include "buckets"
--- @include "event"
--- @include "event-entry"

return eventChargeItem(KEYS, ARGV[1])

--[[
  chargeSession_v1: one credit-control request (START | UPDATE | TERMINATE) of a session with
  1..16 rating groups, in one atomic step. Per rating group, in request order:
    1. release the group's current reservation (money and allowance units),
    2. commit the used units: billable = increments of used, capped at the reservation's grant
       (the excess is `overageUnits` in the event); allowance units the reservation held pay
       first, then money at the reservation's rate (the request's rate and the buckets valid now
       when the reservation is gone), plus the setup fee once per session and group on the first
       debit with used > 0; money is taken only up to the available funds (the rest is
       `shortfallMicros`), so the balance never goes below its floor; one DEBIT event,
    3. START/UPDATE: reserve the requested units (allowances first, then money; a short grant by
       reverse rating in increments with finalUnitAction TERMINATE; CREDIT_LIMIT_REACHED when
       nothing is affordable; SECONDS capped at the rate's tariffChangeAtMs, and the validity
       (reply and reservation) of every unit too; no new reservation
       for a barred or closed account, or a SOFT_BARRED one unless the rate is free:
       END_USER_SERVICE_DENIED).
  TERMINATE then releases every other reservation of the session; each released reservation
  with unused money gets a RELEASE event (reason TERMINATED). LOW_BALANCE / BALANCE_EXHAUSTED
  notifications compare the start and the end of the call.

  KEYS[1] P{b:N}:acct:<accountId>              account hash
  KEYS[2] P{b:N}:bkt:<accountId>               allowance buckets
  KEYS[3] P{b:N}:rsv:<accountId>               reservations
  KEYS[4] P{b:N}:cyc:<accountId>               cycle usage counters
  KEYS[5] P{b:N}:sess:<accountId>:<sessionId>  session: last, closed, q:<n> (r:<n> before), hist, sp:<rg>, v:<rg>
  KEYS[6] P{b:N}:rexp                          reservation expiry index of the bucket
  KEYS[7] P{b:N}:outbox                        outbox stream
  ARGV[1] JSON {kind, acct, sub, sess, n, h, now, validity, grace, cycle, ttl, keep,
                rgs: [{rg, svc, req, used, rate?}]}  (rate = @app/rating CompiledRate)

  Reply: {replyJson, replayed (0|1)}; replyJson = {code, balance, rgs: [{rg, code, unit,
         granted, validity, fua, reserved, debitedUnits, allowanceUnits, debited}]}, money as
         decimal strings. USER_UNKNOWN and UNKNOWN_SESSION answers are not stored.
  Errors: DUPLICATE_MISMATCH  this request number (or, for START, this session) was seen with
                              another request hash
          OUT_OF_SEQUENCE     request number at or below the last processed one, no stored answer
]]
--- @include "core"
--- @include "rating"
--- @include "cycle"
--- @include "account"
--- @include "buckets"
--- @include "reservations"
--- @include "session"
--- @include "session-entry"

return chargeSessionItem(KEYS, ARGV[1])

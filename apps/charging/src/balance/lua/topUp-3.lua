--[[
  topUp_v1: adds money to the balance, idempotent by requestId, with one TOPUP event
  (amountMicros negative: money given to the balance). A closed account takes no top-up.
  A negative amount is a top-up's reversal (its card payment was charged back): the money is taken
  back whatever the balance, which may go below zero, prepaid or not (nothing is granted until a
  top-up brings it back), closed or not; its TOPUP event has a positive amountMicros and the reason
  TOP_UP_REVERSED.

  KEYS[1] P{b:N}:acct:<accountId>               account hash
  KEYS[2] P{b:N}:idem:<accountId>:<requestId>   record {h, reply}
  KEYS[3] P{b:N}:outbox                         outbox stream
  ARGV[1] accountId
  ARGV[2] requestId
  ARGV[3] amount, micros (1 .. 2^53 - 1; -(2^53 - 1) .. -1 for a reversal)
  ARGV[4] now, epoch ms
  ARGV[5] record TTL, ms

  Reply: {balanceMicros (decimal string), replayed (0|1)}
  Errors: DUPLICATE_MISMATCH  this requestId was used before with another amount
          USER_UNKNOWN        no such account
          ACCOUNT_CLOSED      the account is closed
          LIMIT_EXCEEDED      the balance (plus credit limit) would exceed 2^53 - 1 micros, or a reversal
                              take it below -(2^53 - 1)
]]
--- @include "core"
--- @include "account"

local accountId, requestId, amount = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local h = 'TOPUP|' .. ARGV[3]
local raw = redis.call('GET', KEYS[2])
if raw then
  local rec = cjson.decode(raw)
  if rec.h == h then return { rec.reply, 1 } end
  return redis.error_reply('DUPLICATE_MISMATCH this requestId was used before with another amount')
end
local a = accountLoad(KEYS[1])
if not a then return redis.error_reply('USER_UNKNOWN no such account') end
local reversal = amount < 0
if a.status == 'CLOSED' and not reversal then return redis.error_reply('ACCOUNT_CLOSED the account is closed') end
if reversal then
  if a.balance + amount < -MAXS then return redis.error_reply('LIMIT_EXCEEDED the balance would go below -(2^53 - 1) micros') end
else
  local headroom = MAXS - amount
  if a.type == 'POSTPAID' then headroom = headroom - a.creditLimit end
  if a.balance > headroom then return redis.error_reply('LIMIT_EXCEEDED the balance would exceed 2^53 - 1 micros') end
end
local ctx = newContext(accountId, a, now, KEYS[3])
a.balance = a.balance + amount
accountSave(KEYS[1], a)
local reason = nil
if reversal then reason = 'TOP_UP_REVERSED' end
emitRated(ctx, { type = 'TOPUP', canon = 'TOPUP|' .. accountId .. '|' .. requestId, req = requestId, amount = -amount, reason = reason })
local reply = fmt(a.balance)
redis.call('SET', KEYS[2], jenc({ h = h, reply = reply }), 'PX', ttl)
return { reply, 0 }

--[[
  renewSubscription_v1: pays one period of a prepaid subscription's recurring fee and grants that
  period's allowance buckets in the same call, idempotent by requestId (the renewal key: one per
  subscription, charge and period). Either everything happens (DEBIT event with unit MONEY and
  reason RECURRING_FEE, buckets, stored answer) or nothing does: a fee the available funds cannot
  pay takes no money and grants no bucket, and (when ARGV[9] is 1) writes one RENEWAL_FAILED
  notification, whose id depends only on the account and requestId.

  KEYS[1] P{b:N}:acct:<accountId>               account hash
  KEYS[2] P{b:N}:bkt:<accountId>                allowance buckets
  KEYS[3] P{b:N}:idem:<accountId>:<requestId>   record {h, reply} of the paid renewal
  KEYS[4] P{b:N}:outbox                         outbox stream
  ARGV[1] accountId
  ARGV[2] requestId (the renewal key)
  ARGV[3] fee, micros (0 .. 2^53 - 1)
  ARGV[4] now, epoch ms
  ARGV[5] record TTL, ms
  ARGV[6] subscriberId (MSISDN of the subscription)
  ARGV[7] chargeId (the rated event's tariffId)
  ARGV[8] JSON array of buckets [{id, unit, rgs, total, from, until}] (0..16)
  ARGV[9] 1: write a RENEWAL_FAILED notification when the fee cannot be paid; 0: do not
  ARGV[10] 1: replay only (the period is over): answer a stored payment, else "EXPIRED 0", and change nothing

  Reply: {code, replayed (0|1)}: code "PAID <balance>", "UNPAID <available>" (decimal micros) or
         "EXPIRED 0" (replay only, never paid).
  Errors: DUPLICATE_MISMATCH  this requestId was paid with another fee or other buckets
          USER_UNKNOWN        no such account
          NOT_PREPAID         the account is postpaid (its fees are invoiced)
          ACCOUNT_CLOSED      the account is closed
          DUPLICATE_MISMATCH  a bucket id exists with another definition
]]
--- @include "core"
--- @include "account"
--- @include "buckets"

local accountId, requestId, fee = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local h = 'RENEW|' .. ARGV[3] .. '|' .. ARGV[7] .. '|' .. ARGV[8]
local raw = redis.call('GET', KEYS[3])
if raw then
  local rec = cjson.decode(raw)
  if rec.h == h then return { rec.reply, 1 } end
  return redis.error_reply('DUPLICATE_MISMATCH this requestId was paid with another fee or other buckets')
end
if ARGV[10] == '1' then return { 'EXPIRED 0', 0 } end
local a = accountLoad(KEYS[1])
if not a then return redis.error_reply('USER_UNKNOWN no such account') end
if a.type ~= 'PREPAID' then return redis.error_reply('NOT_PREPAID the account is postpaid') end
if a.status == 'CLOSED' then return redis.error_reply('ACCOUNT_CLOSED the account is closed') end
local grants = cjson.decode(ARGV[8])
for _, g in ipairs(grants) do
  local old = redis.call('HGET', KEYS[2], g.id)
  if old and bucketDefinition(cjson.decode(old)) ~= bucketDefinition(g) then
    return redis.error_reply('DUPLICATE_MISMATCH bucket ' .. g.id .. ' exists with another definition')
  end
end
local ctx = newContext(accountId, a, now, KEYS[4])
if a.status ~= 'ACTIVE' or fee > available(a) then
  if ARGV[9] == '1' then
    local ev = {
      schema = 'ratel.notification.v1', type = 'RENEWAL_FAILED', accountId = accountId,
      eventId = redis.sha1hex('RENEWAL_FAILED|' .. accountId .. '|' .. requestId),
      thresholdMicros = fmt(fee), balanceAfterMicros = fmt(a.balance), availableAfterMicros = fmt(available(a)),
      currency = a.currency, occurredAtMs = now, subscriberId = ARGV[6], renewalKey = requestId,
    }
    xadd(ctx, ev.eventId, NOTIFY_PREFIX .. accountId, jenc(ev))
  end
  return { 'UNPAID ' .. fmt(available(a)), 0 }
end
a.balance = a.balance - fee
accountSave(KEYS[1], a)
for _, g in ipairs(grants) do
  if not redis.call('HGET', KEYS[2], g.id) then
    redis.call('HSET', KEYS[2], g.id, jenc({
      unit = g.unit, rgs = jarr(g.rgs), total = g.total, remaining = g.total, reserved = 0,
      from = g.from, ['until'] = g['until'],
    }))
  end
end
emitRated(ctx, {
  type = 'DEBIT', canon = 'RENEW|' .. accountId .. '|' .. requestId, sub = ARGV[6], req = requestId,
  unit = 'MONEY', amount = fee, tariff = ARGV[7], reason = 'RECURRING_FEE',
})
notifyBalance(ctx, 'RENEW|' .. accountId .. '|' .. requestId)
local reply = 'PAID ' .. fmt(a.balance)
redis.call('SET', KEYS[3], jenc({ h = h, reply = reply }), 'PX', ttl)
return { reply, 0 }

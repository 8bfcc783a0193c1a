--[[
  expireReservation_v1: releases one reservation whose validity + grace has passed, if it is still
  due (a newer request may have committed or replaced it since the sweeper read the index), and
  writes an EXPIRY event (reason VALIDITY_EXPIRED, releasedMicros = the reservation's money).
  The balance does not change; the reserved money and allowance units become available again.

  KEYS[1] P{b:N}:acct:<accountId>   account hash
  KEYS[2] P{b:N}:bkt:<accountId>    allowance buckets
  KEYS[3] P{b:N}:rsv:<accountId>    reservations
  KEYS[4] P{b:N}:rexp               reservation expiry index of the bucket
  KEYS[5] P{b:N}:outbox             outbox stream
  ARGV[1] rexp member `<accountId>|<sessionId>|<ratingGroup>`
  ARGV[2] accountId
  ARGV[3] sessionId
  ARGV[4] ratingGroup
  ARGV[5] now, epoch ms

  Reply: 1 when released, 0 when not due or already gone (a stale index entry is removed).
  Errors: none.
]]
--- @include "core"
--- @include "account"
--- @include "buckets"
--- @include "reservations"

local member, accountId, sessionId = ARGV[1], ARGV[2], ARGV[3]
local rg, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local score = redis.call('ZSCORE', KEYS[4], member)
if not score or tonumber(score) > now then return 0 end
local field = rsvField(sessionId, rg)
local r = rsvGet(KEYS[3], field)
local a = accountLoad(KEYS[1])
if not r or not a then
  redis.call('ZREM', KEYS[4], member)
  if r then redis.call('HDEL', KEYS[3], field) end
  return 0
end
if r.exp > now then
  redis.call('ZADD', KEYS[4], r.exp, member) -- the index lagged behind the reservation
  return 0
end
local ctx = newContext(accountId, a, now, KEYS[5])
local bs = bucketsLoad(KEYS[2], now, false)
rsvRelease(ctx, bs, KEYS[3], KEYS[4], field, member, r)
accountSave(KEYS[1], a)
bucketsSave(bs)
emitRated(ctx, {
  type = 'EXPIRY', canon = 'EXPIRY|' .. accountId .. '|' .. sessionId .. '|' .. fmt(r.n) .. '|' .. fmt(rg),
  sub = r.sub, sess = sessionId, n = r.n, rg = rg, svc = r.svc, unit = r.unit, tariff = r.rate.tariffId,
  cycle = r.cycle, reason = 'VALIDITY_EXPIRED', released = r.money,
})
return 1

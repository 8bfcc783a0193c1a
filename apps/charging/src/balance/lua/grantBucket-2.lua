--[[
  grantBucket_v2: adds an allowance bucket, idempotent by bucketId: the same definition again
  changes nothing; another definition under an existing id is rejected. A new bucket starts with
  `remaining` units (absent: `total`; a bucket restored with what it had left); `remaining` is not
  part of the definition, so an existing bucket keeps its own.

  KEYS[1] P{b:N}:acct:<accountId>   account hash (must exist)
  KEYS[2] P{b:N}:bkt:<accountId>    allowance buckets
  ARGV[1] bucketId
  ARGV[2] JSON {unit, rgs, total, from, until, remaining?}  (0 <= remaining <= total)

  Reply: 1 created, 0 already there.
  Errors: USER_UNKNOWN        no such account
          DUPLICATE_MISMATCH  the bucket id exists with another definition
]]
--- @include "core"
--- @include "buckets"

if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('USER_UNKNOWN no such account') end
local g = cjson.decode(ARGV[2])
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if raw then
  if bucketDefinition(cjson.decode(raw)) == bucketDefinition(g) then return 0 end
  return redis.error_reply('DUPLICATE_MISMATCH bucket ' .. ARGV[1] .. ' exists with another definition')
end
redis.call('HSET', KEYS[2], ARGV[1], jenc({
  unit = g.unit, rgs = jarr(g.rgs), total = g.total, remaining = g.remaining or g.total, reserved = 0,
  from = g.from, ['until'] = g['until'],
}))
return 1

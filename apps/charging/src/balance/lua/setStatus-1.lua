--[[
  setStatus_v1: bars, closes or re-activates an account. Existing reservations stay and are
  committed or released as usual; only new reservations and debits are refused.

  KEYS[1] P{b:N}:acct:<accountId>   account hash
  ARGV[1] status: ACTIVE | SOFT_BARRED | BARRED | CLOSED

  Reply: 1
  Errors: USER_UNKNOWN  no such account
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('USER_UNKNOWN no such account') end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
return 1

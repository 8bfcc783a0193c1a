--[[
  upsertAccount_v2: the provisioning projection of an account. Creates it with the opening
  balance (and a TOPUP event, reason INITIAL_BALANCE, when that is not zero) if it is missing,
  and, when `cu` names rating groups, with the tier counters of cycle `cycle` (the cycle hash
  written afresh, each counter clamped to [0, CYCLE_MAX]); otherwise updates only its static
  fields (type, credit limit, status, thresholds, time zone, plan, cycle day). Balance, reserved
  money and cycle counters of an existing account are never touched here; the currency never
  changes.

  KEYS[1] P{b:N}:acct:<accountId>   account hash
  KEYS[2] P{b:N}:outbox             outbox stream
  KEYS[3] P{b:N}:cyc:<accountId>    cycle usage counters
  ARGV[1] JSON {acct, type, currency, creditLimit, status, thresholds "t1,t2", tz, planId,
                cycleDay, initial, now, cycle?, cu?: [{rg, units}]}

  Reply: 1 created, 0 updated.
  Errors: CURRENCY_MISMATCH  the account exists with another currency
          LIMIT_EXCEEDED     balance + credit limit would exceed 2^53 - 1 micros
]]
--- @include "core"
--- @include "rating"
--- @include "cycle"
--- @include "account"

local p = cjson.decode(ARGV[1])
local a = accountLoad(KEYS[1])
local balance = p.initial
if a then
  if a.currency ~= p.currency then
    return redis.error_reply('CURRENCY_MISMATCH the account is held in ' .. a.currency)
  end
  balance = a.balance
end
if p.type == 'POSTPAID' and balance > MAXS - p.creditLimit then
  return redis.error_reply('LIMIT_EXCEEDED balance + credit limit would exceed 2^53 - 1 micros')
end
redis.call('HSET', KEYS[1], 'type', p.type, 'currency', p.currency, 'creditLimit', fmt(p.creditLimit),
  'status', p.status, 'thresholds', p.thresholds, 'tz', p.tz, 'planId', p.planId, 'cycleDay', fmt(p.cycleDay))
if a then return 0 end
redis.call('HSET', KEYS[1], 'balance', fmt(p.initial), 'reserved', '0')
if p.cycle and p.cu then cycleRestore(KEYS[3], p.cycle, p.cu) end
if p.initial ~= 0 then
  local created = accountLoad(KEYS[1])
  local ctx = newContext(p.acct, created, p.now, KEYS[2])
  -- The creation time is in the id: an account re-created after Redis lost it is a new fact, and
  -- its opening must not be dropped by JetStream as a duplicate of the first creation's.
  emitRated(ctx, {
    type = 'TOPUP', canon = 'OPEN|' .. p.acct .. '|' .. fmt(p.now), amount = -p.initial, reason = 'INITIAL_BALANCE',
  })
end
return 1

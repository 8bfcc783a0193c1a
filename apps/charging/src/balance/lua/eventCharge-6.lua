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

local req = cjson.decode(ARGV[1])
local K_ACCT, K_BKT, K_CYC, K_IDEM, K_ORIG = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

-- jenc({code, debited, allowanceUnits, balance}) written out (keys in jenc's order; one
-- concatenation, no buffer table).
local function encodeReply(code, debited, allowanceUnits, balance)
  if allowanceUnits == nil or balance == nil or code == nil or debited == nil then
    return jwrap(jfield('allowanceUnits', allowanceUnits, jnum) .. jfield('balance', balance, jmoney)
      .. jfield('code', code, jstr) .. jfield('debited', debited, jmoney))
  end
  return '{"allowanceUnits":' .. jnum(allowanceUnits) .. ',"balance":"' .. fmt(balance) .. '","code":' .. jstr(code)
    .. ',"debited":"' .. fmt(debited) .. '"}'
end

-- jenc of the debit kept with a DEBIT's record (written out, keys in jenc's order).
local function jdebit(d)
  local billable, bkts, cycle, m, money, rg, sub = d.billable, d.bkts, d.cycle, d.m, d.money, d.rg, d.sub
  local svc, tariff, unit, units = d.svc, d.tariff, d.unit, d.units
  if billable ~= nil and bkts ~= nil and cycle ~= nil and m ~= nil and money ~= nil and rg ~= nil and sub ~= nil
    and svc ~= nil and tariff ~= nil and unit ~= nil and units ~= nil then
    return '{"billable":' .. jnum(billable) .. ',"bkts":' .. jidns(bkts) .. ',"cycle":' .. jstr(cycle) .. ',"m":' .. jnum(m)
      .. ',"money":' .. jnum(money) .. ',"rg":' .. jnum(rg) .. ',"sub":' .. jstr(sub) .. ',"svc":' .. jnum(svc)
      .. ',"tariff":' .. jstr(tariff) .. ',"unit":' .. jstr(unit) .. ',"units":' .. jnum(units) .. '}'
  end
  return jwrap(jfield('billable', d.billable, jnum) .. jfield('bkts', d.bkts, jidns) .. jfield('cycle', d.cycle, jstr)
    .. jfield('m', d.m, jnum) .. jfield('money', d.money, jnum) .. jfield('rg', d.rg, jnum)
    .. jfield('sub', d.sub, jstr) .. jfield('svc', d.svc, jnum) .. jfield('tariff', d.tariff, jstr)
    .. jfield('unit', d.unit, jstr) .. jfield('units', d.units, jnum))
end

-- The answer, stored for retries unless this is a CHECK.
local function answer(code, debited, allowanceUnits, balance, debit)
  local reply = encodeReply(code, debited, allowanceUnits, balance)
  if req.kind ~= 'CHECK' then
    local rec
    if req.h ~= nil then
      local head = '{"h":'
      if debit ~= nil then head = '{"debit":' .. jdebit(debit) .. ',"h":' end
      rec = head .. jstr(req.h) .. ',"reply":' .. jstr(reply) .. '}'
    else
      rec = jwrap(jfield('debit', debit, jdebit) .. jfield('reply', reply, jstr))
    end
    redis.call('SET', K_IDEM, rec, 'PX', req.ttl)
  end
  return { reply, 0 }
end

local function debitOrCheck(a)
  if a.status ~= 'ACTIVE' then return answer('END_USER_SERVICE_DENIED', 0, 0, a.balance) end
  local rate = req.rate
  if not rate then return answer('RATING_FAILED', 0, 0, a.balance) end
  local check = req.kind == 'CHECK'
  local bs = bucketsLoad(K_BKT, req.now, not check)
  local cy = cycleLoad(K_CYC, req.cycle, { req.rg })
  local billable = billableOf(rate, req.units)
  local eligible, free = bucketsEligible(bs, rate.unit, req.rg, req.now)
  local m = billable - math.min(billable, free)
  local money = satAdd(price(rate, cycleGet(cy, req.rg), m), rate.setupMicros)
  if money > 0 and money > available(a) then return answer('CREDIT_LIMIT_REACHED', 0, 0, a.balance) end
  if check then return { encodeReply('SUCCESS', money, billable - m, a.balance), 0 } end
  local ctx = newContext(req.acct, a, req.now, KEYS[6])
  local taken, byAllowance = bucketsTake(bs, eligible, billable, false)
  a.balance = a.balance - money
  cycleAdd(cy, req.rg, m)
  accountSave(K_ACCT, a)
  bucketsSave(bs)
  emitRated(ctx, {
    type = 'DEBIT', canon = 'DEBIT|' .. ctx.id .. '|' .. req.req, sub = req.sub, req = req.req, rg = req.rg,
    svc = req.svc, unit = rate.unit, used = req.units, billable = billable, allowances = taken,
    amount = money, tariff = rate.tariffId, cycle = req.cycle,
  })
  notifyBalance(ctx, 'EVENT|' .. ctx.id .. '|' .. req.req)
  return answer('SUCCESS', money, byAllowance, a.balance, {
    money = money, bkts = taken, m = m, cycle = req.cycle, rg = req.rg, svc = req.svc, unit = rate.unit,
    units = req.units, billable = billable, tariff = rate.tariffId, sub = req.sub,
  })
end

-- Puts allowance units back into the buckets that still exist, at most up to their total.
local function restoreAllowances(bs, held)
  local restored, total = jarr({}), 0
  for _, h in ipairs(held) do
    local b = bs.byId[h.id]
    if b then
      local x = math.min(h.n, b.total - b.remaining)
      if x > 0 then
        b.remaining = b.remaining + x
        bs.dirty[b.id] = b
        restored[#restored + 1] = { id = b.id, n = x }
        total = total + x
      end
    end
  end
  return restored, total
end

local function refund(a)
  local raw = redis.call('GET', K_ORIG)
  local orig = raw and cjson.decode(raw)
  if not orig or not orig.debit then return answer('NOT_FOUND', 0, 0, a.balance) end
  local d = orig.debit
  if d.refundedBy then return redis.error_reply('ALREADY_REFUNDED the debit was refunded by another request') end
  local headroom = MAXS - d.money
  if a.type == 'POSTPAID' then headroom = headroom - a.creditLimit end
  if a.balance > headroom then return redis.error_reply('LIMIT_EXCEEDED the balance would exceed 2^53 - 1 micros') end
  local ctx = newContext(req.acct, a, req.now, KEYS[6])
  local bs = bucketsLoad(K_BKT, req.now, false)
  local restored, restoredUnits = restoreAllowances(bs, d.bkts)
  a.balance = a.balance + d.money
  local cy = cycleLoad(K_CYC, d.cycle)
  if not cy.fresh then cycleAdd(cy, d.rg, -d.m) end
  d.refundedBy = req.req
  d.bkts = jarr(d.bkts)
  redis.call('SET', K_ORIG, jenc(orig), 'KEEPTTL')
  accountSave(K_ACCT, a)
  bucketsSave(bs)
  emitRated(ctx, {
    type = 'REFUND', canon = 'REFUND|' .. ctx.id .. '|' .. req.req, sub = d.sub, req = req.req, rg = d.rg,
    svc = d.svc, unit = d.unit, used = d.units, billable = d.billable, allowances = restored,
    amount = -d.money, tariff = d.tariff, cycle = d.cycle,
  })
  return answer('SUCCESS', -d.money, restoredUnits, a.balance)
end

if req.kind ~= 'CHECK' then
  local raw = redis.call('GET', K_IDEM)
  if raw then
    local rec = cjson.decode(raw)
    if rec.h == req.h then return { rec.reply, 1 } end
    return redis.error_reply('DUPLICATE_MISMATCH this requestId was used before with another content')
  end
end
local account = accountLoad(K_ACCT)
if not account then return { encodeReply('USER_UNKNOWN', 0, 0, 0), 0 } end
if req.kind == 'REFUND' then return refund(account) end
return debitOrCheck(account)

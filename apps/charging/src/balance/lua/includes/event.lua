--[[
  event: the steps of eventCharge (see eventCharge-6.lua), defined once when the library loads
  rather than as closures on every call. `req` is the decoded ARGV[1], `keys` the script's KEYS
  (1 acct, 2 bkt, 3 cyc, 4 this request's record, 5 the refunded debit's record, 6 outbox).
  Requires: core, rating, cycle, account, buckets.
]]

-- jenc({code, debited, allowanceUnits, balance}) written out (keys in jenc's order; one
-- concatenation, no buffer table).
local function eventEncodeReply(code, debited, allowanceUnits, balance)
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
local function eventAnswer(req, keys, code, debited, allowanceUnits, balance, debit)
  local reply = eventEncodeReply(code, debited, allowanceUnits, balance)
  if req.kind ~= 'CHECK' then
    local rec
    if req.h ~= nil then
      local head = '{"h":'
      if debit ~= nil then head = '{"debit":' .. jdebit(debit) .. ',"h":' end
      rec = head .. jstr(req.h) .. ',"reply":' .. jstr(reply) .. '}'
    else
      rec = jwrap(jfield('debit', debit, jdebit) .. jfield('reply', reply, jstr))
    end
    redis.call('SET', keys[4], rec, 'PX', req.ttl)
  end
  return { reply, 0 }
end

local function eventDebitOrCheck(req, keys, a)
  local rate = req.rate
  if not statusAllows(a.status, rate) then return eventAnswer(req, keys, 'END_USER_SERVICE_DENIED', 0, 0, a.balance) end
  if not rate then return eventAnswer(req, keys, 'RATING_FAILED', 0, 0, a.balance) end
  local check = req.kind == 'CHECK'
  local bs = bucketsLoad(keys[2], req.now, not check)
  local cy = cycleLoad(keys[3], req.cycle, { req.rg })
  local billable = billableOf(rate, req.units)
  local eligible, free = bucketsEligible(bs, rate.unit, req.rg, req.now)
  local m = billable - math.min(billable, free)
  local money = satAdd(price(rate, cycleGet(cy, req.rg), m), rate.setupMicros)
  if money > 0 and money > available(a) then return eventAnswer(req, keys, 'CREDIT_LIMIT_REACHED', 0, 0, a.balance) end
  if check then return { eventEncodeReply('SUCCESS', money, billable - m, a.balance), 0 } end
  local ctx = newContext(req.acct, a, req.now, keys[6])
  local taken, byAllowance = bucketsTake(bs, eligible, billable, false)
  a.balance = a.balance - money
  cycleAdd(cy, req.rg, m)
  accountSave(keys[1], a)
  bucketsSave(bs)
  emitRated(ctx, {
    type = 'DEBIT', canon = 'DEBIT|' .. ctx.id .. '|' .. req.req, sub = req.sub, req = req.req, rg = req.rg,
    svc = req.svc, unit = rate.unit, used = req.units, billable = billable, allowances = taken,
    amount = money, tariff = rate.tariffId, cycle = req.cycle,
  })
  notifyBalance(ctx, 'EVENT|' .. ctx.id .. '|' .. req.req)
  return eventAnswer(req, keys, 'SUCCESS', money, byAllowance, a.balance, {
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

local function eventRefund(req, keys, a)
  local raw = redis.call('GET', keys[5])
  local orig = raw and cjson.decode(raw)
  if not orig or not orig.debit then return eventAnswer(req, keys, 'NOT_FOUND', 0, 0, a.balance) end
  local d = orig.debit
  if d.refundedBy then return redis.error_reply('ALREADY_REFUNDED the debit was refunded by another request') end
  local headroom = MAXS - d.money
  if a.type == 'POSTPAID' then headroom = headroom - a.creditLimit end
  if a.balance > headroom then return redis.error_reply('LIMIT_EXCEEDED the balance would exceed 2^53 - 1 micros') end
  local ctx = newContext(req.acct, a, req.now, keys[6])
  local bs = bucketsLoad(keys[2], req.now, false)
  local restored, restoredUnits = restoreAllowances(bs, d.bkts)
  a.balance = a.balance + d.money
  local cy = cycleLoad(keys[3], d.cycle)
  if not cy.fresh then cycleAdd(cy, d.rg, -d.m) end
  d.refundedBy = req.req
  d.bkts = jarr(d.bkts)
  redis.call('SET', keys[5], jenc(orig), 'KEEPTTL')
  accountSave(keys[1], a)
  bucketsSave(bs)
  emitRated(ctx, {
    type = 'REFUND', canon = 'REFUND|' .. ctx.id .. '|' .. req.req, sub = d.sub, req = req.req, rg = d.rg,
    svc = d.svc, unit = d.unit, used = d.units, billable = d.billable, allowances = restored,
    amount = -d.money, tariff = d.tariff, cycle = d.cycle, cycleUnits = d.m or 0,
  })
  return eventAnswer(req, keys, 'SUCCESS', -d.money, restoredUnits, a.balance)
end

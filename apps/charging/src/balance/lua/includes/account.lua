--[[
  account: the account hash, available funds, the outbox, rated events and balance
  notifications. A context `ctx` carries {id, a (account), now, outbox}.
  Requires: core.
]]
local RATED_PREFIX = 'ratel.rated.v1.'
local NOTIFY_PREFIX = 'ratel.notify.v1.'

-- The account hash as numbers, or nil when the account does not exist.
-- (HMGET of the fields used: upsertAccount always writes type, so a hash without any of them
-- does not exist.)
local function accountLoad(key)
  local h = redis.call('HMGET', key, 'type', 'currency', 'status', 'balance', 'reserved', 'creditLimit', 'thresholds')
  if not (h[1] or h[2] or h[3] or h[4] or h[5] or h[6] or h[7]) then return nil end
  return {
    type = h[1] or nil, currency = h[2] or nil, status = h[3] or nil,
    balance = tonumber(h[4]), reserved = tonumber(h[5]),
    creditLimit = tonumber(h[6]) or 0, thresholds = parseIntList(h[7] or nil),
  }
end

-- balance - reserved (+ credit limit for postpaid).
local function available(a)
  local v = a.balance - a.reserved
  if a.type == 'POSTPAID' then v = v + a.creditLimit end
  return v
end

local function accountSave(key, a)
  redis.call('HSET', key, 'balance', fmt(a.balance), 'reserved', fmt(a.reserved))
end

local function newContext(id, a, now, outbox)
  return { id = id, a = a, now = now, outbox = outbox, balance0 = a.balance, avail0 = available(a) }
end

local function xadd(ctx, id, subject, data)
  redis.call('XADD', ctx.outbox, '*', 'id', id, 'subject', subject, 'data', data)
end

-- Writes one ratel.rated.v1 event; `e.canon` is the canonical string its id is the sha1 of.
-- e: type canon sub sess req n rg svc unit used billable allowances {id,n} amount tariff cycle
--    cycleUnits (REFUND only) reason overage shortfall released
local NO_ALLOWANCES = {}

local function emitRated(ctx, e)
  local al, total = '', 0
  local items
  for i, x in ipairs(e.allowances or NO_ALLOWANCES) do
    items = items or {}
    items[i] = '{' .. jfield('bucketId', x.id, jstr, true) .. jfield('units', x.n, jnum, x.id == nil) .. '}'
    total = total + x.n
  end
  if items then al = table.concat(items, ',') end
  local eventId = redis.sha1hex(e.canon)
  local a = ctx.a
  -- jenc of the event object written out as one concatenation (keys in its order); the fields
  -- that may be missing go through jfield.
  local opt1, opt2 = '', ''
  if e.overage and e.overage > 0 then opt1 = ',"overageUnits":' .. jnum(e.overage) end
  if e.reason then opt2 = ',"reason":' .. jstr(e.reason) end
  if e.released then opt2 = opt2 .. ',"releasedMicros":"' .. fmt(e.released) .. '"' end
  local opt3 = ''
  if e.shortfall and e.shortfall > 0 then opt3 = ',"shortfallMicros":"' .. fmt(math.min(e.shortfall, MAXS)) .. '"' end
  local head = '{"allowanceUnits":'
  if ctx.id ~= nil then head = '{"accountId":' .. jstr(ctx.id) .. ',"allowanceUnits":' end
  local balance, currency, now, etype = a.balance, a.currency, ctx.now, e.type
  -- cycleId and, on a REFUND, cycleUnits right after it (one piece: the concatenation below is the
  -- same on the hot path)
  local cycle = jstr(e.cycle or '')
  if e.cycleUnits then cycle = cycle .. ',"cycleUnits":' .. jnum(e.cycleUnits) end
  local data
  if balance ~= nil and currency ~= nil and now ~= nil and etype ~= nil then
    -- (the four fields present: written out, no jfield and its intermediate string each)
    data = head .. jnum(total) .. ',"allowances":[' .. al .. '],"amountMicros":"' .. fmt(e.amount or 0)
      .. '","balanceAfterMicros":"' .. fmt(balance) .. '","billableUnits":' .. jnum(e.billable or 0)
      .. ',"currency":' .. jstr(currency) .. ',"cycleId":' .. cycle .. ',"eventId":' .. jstr(eventId)
      .. ',"occurredAtMs":' .. jnum(now) .. opt1 .. ',"ratingGroup":' .. jnum(e.rg or 0) .. opt2
      .. ',"requestId":' .. jstr(e.req or '') .. ',"requestNumber":' .. jnum(e.n or 0)
      .. ',"schema":"ratel.rated.v1","serviceId":' .. jnum(e.svc or 0) .. ',"sessionId":' .. jstr(e.sess or '') .. opt3
      .. ',"subscriberId":' .. jstr(e.sub or '') .. ',"tariffId":' .. jstr(e.tariff or '') .. ',"type":' .. jstr(etype)
      .. ',"unit":' .. jstr(e.unit or 'MONEY') .. ',"usedUnits":' .. jnum(e.used or 0) .. '}'
  else
    data = head .. jnum(total) .. ',"allowances":[' .. al .. '],"amountMicros":"' .. fmt(e.amount or 0) .. '"'
      .. jfield('balanceAfterMicros', a.balance, jmoney) .. ',"billableUnits":' .. jnum(e.billable or 0)
      .. jfield('currency', a.currency, jstr) .. ',"cycleId":' .. cycle .. ',"eventId":' .. jstr(eventId)
      .. jfield('occurredAtMs', ctx.now, jnum) .. opt1 .. ',"ratingGroup":' .. jnum(e.rg or 0) .. opt2
      .. ',"requestId":' .. jstr(e.req or '') .. ',"requestNumber":' .. jnum(e.n or 0)
      .. ',"schema":"ratel.rated.v1","serviceId":' .. jnum(e.svc or 0) .. ',"sessionId":' .. jstr(e.sess or '') .. opt3
      .. ',"subscriberId":' .. jstr(e.sub or '') .. ',"tariffId":' .. jstr(e.tariff or '') .. jfield('type', e.type, jstr)
      .. ',"unit":' .. jstr(e.unit or 'MONEY') .. ',"usedUnits":' .. jnum(e.used or 0) .. '}'
  end
  xadd(ctx, eventId, RATED_PREFIX .. ctx.id, data)
  return eventId
end

local function emitNotification(ctx, kind, threshold, cause)
  local ev = {
    schema = 'ratel.notification.v1', type = kind, accountId = ctx.id,
    eventId = redis.sha1hex(kind .. '|' .. cause .. '|' .. fmt(threshold)),
    thresholdMicros = fmt(threshold), balanceAfterMicros = fmt(ctx.a.balance),
    availableAfterMicros = fmt(available(ctx.a)), currency = ctx.a.currency, occurredAtMs = ctx.now,
  }
  xadd(ctx, ev.eventId, NOTIFY_PREFIX .. ctx.id, jenc(ev))
end

-- Compares the balance at the start of the script with the balance now: one LOW_BALANCE per
-- threshold T with before > T >= after, and BALANCE_EXHAUSTED when a prepaid account's available
-- funds went from above 0 to at most 0. `cause` is the canonical string of the request.
local function notifyBalance(ctx, cause)
  local a = ctx.a
  for _, t in ipairs(a.thresholds) do
    if ctx.balance0 > t and a.balance <= t then emitNotification(ctx, 'LOW_BALANCE', t, cause) end
  end
  if a.type == 'PREPAID' and ctx.avail0 > 0 and available(a) <= 0 then
    emitNotification(ctx, 'BALANCE_EXHAUSTED', 0, cause)
  end
end

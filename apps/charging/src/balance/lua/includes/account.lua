--[[
  account: the account hash, available funds, the outbox, rated events and balance
  notifications. A context `ctx` carries {id, a (account), now, outbox}.
  Requires: core.
]]
local RATED_PREFIX = 'ratel.rated.v1.'
local NOTIFY_PREFIX = 'ratel.notify.v1.'

-- The account hash as numbers, or nil when the account does not exist.
local function accountLoad(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return {
    type = h.type, currency = h.currency, status = h.status,
    balance = tonumber(h.balance), reserved = tonumber(h.reserved),
    creditLimit = tonumber(h.creditLimit) or 0, thresholds = parseIntList(h.thresholds),
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
--    reason overage shortfall released
local function emitRated(ctx, e)
  local al, total = jarr({}), 0
  for i, x in ipairs(e.allowances or {}) do
    al[i] = { bucketId = x.id, units = x.n }
    total = total + x.n
  end
  local ev = {
    schema = 'ratel.rated.v1', eventId = redis.sha1hex(e.canon), type = e.type, accountId = ctx.id,
    subscriberId = e.sub or '', sessionId = e.sess or '', requestId = e.req or '', requestNumber = e.n or 0,
    ratingGroup = e.rg or 0, serviceId = e.svc or 0, unit = e.unit or 'MONEY', usedUnits = e.used or 0,
    billableUnits = e.billable or 0, allowanceUnits = total, allowances = al,
    amountMicros = fmt(e.amount or 0), currency = ctx.a.currency, balanceAfterMicros = fmt(ctx.a.balance),
    tariffId = e.tariff or '', cycleId = e.cycle or '', occurredAtMs = ctx.now,
  }
  if e.reason then ev.reason = e.reason end
  if e.overage and e.overage > 0 then ev.overageUnits = e.overage end
  if e.shortfall and e.shortfall > 0 then ev.shortfallMicros = fmt(math.min(e.shortfall, MAXS)) end
  if e.released then ev.releasedMicros = fmt(e.released) end
  xadd(ctx, ev.eventId, RATED_PREFIX .. ctx.id, jenc(ev))
  return ev.eventId
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

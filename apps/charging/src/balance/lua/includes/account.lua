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

-- Writes one ratel.rated.v1 event to the outbox in the compact form the relay turns into the
-- event's JSON (src/balance/outbox-entry.ts, RATED_COMPACT_FIELDS): field `r1`, the values joined by `|` in
-- that fixed order, strings as they are (the rated-event contract allows no `|` in any of them),
-- '' for an absent optional field. Building the JSON here cost a third of an event charge's
-- time inside Redis; the relay builds the same bytes. `e.canon` is the canonical string the
-- event id is the sha1 of.
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
  local overage, shortfall, released, cycleUnits, balance, now = '', '', '', '', '', ''
  if e.overage and e.overage > 0 then overage = jnum(e.overage) end
  if e.shortfall and e.shortfall > 0 then shortfall = fmt(math.min(e.shortfall, MAXS)) end
  if e.released then released = fmt(e.released) end
  if e.cycleUnits then cycleUnits = jnum(e.cycleUnits) end
  if a.balance ~= nil then balance = fmt(a.balance) end
  if ctx.now ~= nil then now = jnum(ctx.now) end
  redis.call('XADD', ctx.outbox, '*', 'id', eventId, 'subject', RATED_PREFIX .. ctx.id, 'r1',
    (e.type or '') .. '|' .. ctx.id .. '|' .. (e.sub or '') .. '|' .. (e.sess or '') .. '|' .. (e.req or '')
    .. '|' .. jnum(e.n or 0) .. '|' .. jnum(e.rg or 0) .. '|' .. jnum(e.svc or 0) .. '|' .. (e.unit or 'MONEY')
    .. '|' .. jnum(e.used or 0) .. '|' .. jnum(e.billable or 0) .. '|' .. jnum(total) .. '|' .. al
    .. '|' .. fmt(e.amount or 0) .. '|' .. (a.currency or '') .. '|' .. balance .. '|' .. (e.tariff or '')
    .. '|' .. (e.cycle or '') .. '|' .. cycleUnits .. '|' .. now .. '|' .. overage .. '|' .. (e.reason or '')
    .. '|' .. released .. '|' .. shortfall)
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

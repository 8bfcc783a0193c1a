--[[
  chargeSession_v1: one credit-control request (START | UPDATE | TERMINATE) of a session with
  1..16 rating groups, in one atomic step. Per rating group, in request order:
    1. release the group's current reservation (money and allowance units),
    2. commit the used units: billable = increments of used, capped at the reservation's grant
       (the excess is `overageUnits` in the event); allowance units the reservation held pay
       first, then money at the reservation's rate (the request's rate and the buckets valid now
       when the reservation is gone), plus the setup fee once per session and group on the first
       debit with used > 0; money is taken only up to the available funds (the rest is
       `shortfallMicros`), so the balance never goes below its floor; one DEBIT event,
    3. START/UPDATE: reserve the requested units (allowances first, then money; a short grant by
       reverse rating in increments with finalUnitAction TERMINATE; CREDIT_LIMIT_REACHED when
       nothing is affordable; SECONDS capped at the rate's tariffChangeAtMs; no new reservation
       for a barred or closed account: END_USER_SERVICE_DENIED).
  TERMINATE then releases every other reservation of the session; each released reservation
  with unused money gets a RELEASE event (reason TERMINATED). LOW_BALANCE / BALANCE_EXHAUSTED
  notifications compare the start and the end of the call.

  KEYS[1] P{b:N}:acct:<accountId>              account hash
  KEYS[2] P{b:N}:bkt:<accountId>               allowance buckets
  KEYS[3] P{b:N}:rsv:<accountId>               reservations
  KEYS[4] P{b:N}:cyc:<accountId>               cycle usage counters
  KEYS[5] P{b:N}:sess:<accountId>:<sessionId>  session: last, closed, r:<n>, hist, sp:<rg>, v:<rg>
  KEYS[6] P{b:N}:rexp                          reservation expiry index of the bucket
  KEYS[7] P{b:N}:outbox                        outbox stream
  ARGV[1] JSON {kind, acct, sub, sess, n, h, now, validity, grace, cycle, ttl, keep,
                rgs: [{rg, svc, req, used, rate?}]}  (rate = @app/rating CompiledRate)

  Reply: {replyJson, replayed (0|1)}; replyJson = {code, balance, rgs: [{rg, code, unit,
         granted, validity, fua, reserved, debitedUnits, allowanceUnits, debited}]}, money as
         decimal strings. USER_UNKNOWN and UNKNOWN_SESSION answers are not stored.
  Errors: DUPLICATE_MISMATCH  this request number (or, for START, this session) was seen with
                              another request hash
          OUT_OF_SEQUENCE     request number at or below the last processed one, no stored answer
]]
--- @include "core"
--- @include "rating"
--- @include "cycle"
--- @include "account"
--- @include "buckets"
--- @include "reservations"

local req = cjson.decode(ARGV[1])
local K_ACCT, K_BKT, K_RSV, K_CYC, K_SESS, K_REXP = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

local function unitOf(g, r)
  if r then return r.unit end
  if g.rate then return g.rate.unit end
  return 'EVENTS'
end

local function newResult(g, code)
  return {
    rg = g.rg, code = code, unit = unitOf(g, nil), granted = 0, validity = 0, fua = 'NONE',
    reserved = 0, debitedUnits = 0, allowanceUnits = 0, debited = 0,
  }
end

-- jenc({code, balance, rgs = jarr({{rg, code, unit, granted, validity, fua, reserved,
-- debitedUnits, allowanceUnits, debited}})}) written out (keys in jenc's order).
local function encodeReply(code, balance, results)
  local items = {}
  for i, o in ipairs(results) do
    local au, oc, debited, du, fua, granted, reserved = o.allowanceUnits, o.code, o.debited, o.debitedUnits, o.fua, o.granted, o.reserved
    local rg, unit, validity = o.rg, o.unit, o.validity
    if au ~= nil and oc ~= nil and debited ~= nil and du ~= nil and fua ~= nil and granted ~= nil and reserved ~= nil
      and rg ~= nil and unit ~= nil and validity ~= nil then
      items[i] = '{"allowanceUnits":' .. jnum(au) .. ',"code":' .. jstr(oc) .. ',"debited":"' .. fmt(debited)
        .. '","debitedUnits":' .. jnum(du) .. ',"fua":' .. jstr(fua) .. ',"granted":' .. jnum(granted)
        .. ',"reserved":"' .. fmt(reserved) .. '","rg":' .. jnum(rg) .. ',"unit":' .. jstr(unit) .. ',"validity":' .. jnum(validity) .. '}'
    else
      items[i] = jwrap(jfield('allowanceUnits', o.allowanceUnits, jnum) .. jfield('code', o.code, jstr)
        .. jfield('debited', o.debited, jmoney) .. jfield('debitedUnits', o.debitedUnits, jnum)
        .. jfield('fua', o.fua, jstr) .. jfield('granted', o.granted, jnum) .. jfield('reserved', o.reserved, jmoney)
        .. jfield('rg', o.rg, jnum) .. jfield('unit', o.unit, jstr) .. jfield('validity', o.validity, jnum))
    end
  end
  return '{' .. jfield('balance', balance, jmoney, true) .. jfield('code', code, jstr, balance == nil)
    .. ',"rgs":[' .. table.concat(items, ',') .. ']}'
end

-- The same code for every group, nothing changed (unknown account or session).
local function flatReply(code)
  local results = {}
  for i, g in ipairs(req.rgs) do results[i] = newResult(g, code) end
  return encodeReply(code, 0, results)
end

-- SUCCESS when any group (or none was asked) succeeded, else the first group's code.
local function topCode(results)
  if #results == 0 then return 'SUCCESS' end
  for _, o in ipairs(results) do
    if o.code == 'SUCCESS' then return 'SUCCESS' end
  end
  return results[1].code
end

-- Idempotency and sequence. Returns a reply to send as is, an error reply, or nil to go on.
local sessHist = ''
local function checkSequence()
  local st = redis.call('HMGET', K_SESS, 'last', 'closed', 'r:' .. fmt(req.n), 'hist')
  sessHist = st[4] or ''
  if st[3] then
    local rec = cjson.decode(st[3])
    if rec.h == req.h then return { rec.reply, 1 } end
    return redis.error_reply('DUPLICATE_MISMATCH request ' .. fmt(req.n) .. ' of this session was sent before with another content')
  end
  local last = tonumber(st[1])
  if req.kind == 'START' then
    if last then return redis.error_reply('DUPLICATE_MISMATCH a session with this id exists') end
    return nil
  end
  if not last then return { flatReply('UNKNOWN_SESSION'), 0 } end
  if req.n <= last then
    return redis.error_reply('OUT_OF_SEQUENCE request ' .. fmt(req.n) .. ' is at or below the last processed ' .. fmt(last))
  end
  if st[2] == '1' then return { flatReply('UNKNOWN_SESSION'), 0 } end
  return nil
end

-- Session fields: setup paid (sp:<rg>) and groups holding a reservation (v:<rg>), by the field
-- names alone (HKEYS: the stored answers r:<n> are not read), and `hist` read by checkSequence.
local function sessionLoad()
  local names = redis.call('HKEYS', K_SESS)
  local s = { setupPaid = {}, held = {}, hist = sessHist, newPaid = {}, dropHeld = {}, addHeld = {} }
  for i = 1, #names do
    local f = names[i]
    local c = string.byte(f, 1)
    -- (only sp:* and v:* matter: the stored answers r:<n> and the rest are skipped unparsed)
    -- (a prefix test, cheaper than a pattern match with captures)
    if c == 115 then
      if string.sub(f, 2, 3) == 'p:' then s.setupPaid[tonumber(string.sub(f, 4))] = true end
    elseif c == 118 then
      if string.byte(f, 2) == 58 then s.held[#s.held + 1] = tonumber(string.sub(f, 3)) end
    end
  end
  return s
end

-- Commits used units of group g (its reservation r, if any, already released).
local function commitGroup(ctx, s, g, r, out)
  local rate = (r and r.rate) or g.rate
  if not rate then return 'RATING_FAILED' end
  local billable, overage = billableOf(rate, g.used), 0
  local taken, byAllowance
  if r then
    if billable > r.units then billable = r.units end
    if g.used > r.units then overage = g.used - r.units end
    taken, byAllowance = bucketsConsumeHeld(ctx.bs, r.bkts, billable)
  else
    local eligible = bucketsEligible(ctx.bs, rate.unit, g.rg, ctx.now)
    taken, byAllowance = bucketsTake(ctx.bs, eligible, billable, false)
  end
  local m = billable - byAllowance
  local money = price(rate, cycleGet(ctx.cy, g.rg), m)
  if not s.setupPaid[g.rg] then
    money = satAdd(money, rate.setupMicros)
    s.setupPaid[g.rg] = true
    s.newPaid[#s.newPaid + 1] = g.rg
  end
  local debit = math.min(money, math.max(0, available(ctx.a)))
  ctx.a.balance = ctx.a.balance - debit
  cycleAdd(ctx.cy, g.rg, m)
  out.unit, out.debitedUnits, out.allowanceUnits, out.debited = rate.unit, billable, byAllowance, debit
  emitRated(ctx, {
    type = 'DEBIT', canon = 'DEBIT|' .. ctx.id .. '|' .. req.sess .. '|' .. fmt(req.n) .. '|' .. fmt(g.rg),
    sub = req.sub, sess = req.sess, n = req.n, rg = g.rg, svc = g.svc, unit = rate.unit, used = g.used,
    billable = billable, allowances = taken, amount = debit, tariff = rate.tariffId, cycle = req.cycle,
    overage = overage, shortfall = money - debit,
  })
  return 'SUCCESS'
end

-- Units a request may be granted before funds: increments of the ask, and for SECONDS at most
-- the whole seconds (rounded up) until the rate's tariff change.
local function grantCap(rate, requested, now)
  local cap = billableOf(rate, requested)
  local tc = rate.tariffChangeAtMs
  if rate.unit == 'SECONDS' and tc and tc > now then
    local secs = math.ceil((tc - now) / 1000)
    if secs < cap then cap = secs end
  end
  return cap
end

-- Reserves the requested units of group g.
local function reserveGroup(ctx, s, g, out)
  if g.req <= 0 then return 'SUCCESS' end
  if ctx.a.status ~= 'ACTIVE' then return 'END_USER_SERVICE_DENIED' end
  local rate = g.rate
  if not rate then return 'RATING_FAILED' end
  out.unit = rate.unit
  local eligible, free = bucketsEligible(ctx.bs, rate.unit, g.rg, ctx.now)
  local setup, avail = 0, available(ctx.a)
  if not s.setupPaid[g.rg] then setup = rate.setupMicros end
  if setup > 0 and setup > avail then return 'CREDIT_LIMIT_REACHED' end
  local c = cycleGet(ctx.cy, g.rg)
  local units, short = grantUnits(rate, c, free, avail - setup, grantCap(rate, g.req, ctx.now))
  if units <= 0 then return 'CREDIT_LIMIT_REACHED' end
  local held = bucketsTake(ctx.bs, eligible, math.min(units, free), true)
  local money = grantCost(rate, c, free, units) + setup
  ctx.a.reserved = ctx.a.reserved + money
  local expiresAt = ctx.now + req.validity
  rsvPut(K_RSV, K_REXP, rsvField(req.sess, g.rg), rsvMember(ctx.id, req.sess, g.rg), {
    units = units, money = money, bkts = held, ['until'] = expiresAt, exp = expiresAt + req.grace,
    unit = rate.unit, rate = rate, sub = req.sub, svc = g.svc, n = req.n, cycle = req.cycle,
  })
  s.addHeld[#s.addHeld + 1] = g.rg
  out.granted, out.validity, out.reserved = units, req.validity, money
  if short then out.fua = 'TERMINATE' end
  return 'SUCCESS'
end

-- Hands reservation r of group rg back (money, allowance units) and deletes it.
local function releaseGroup(ctx, s, rg, r)
  rsvRelease(ctx, ctx.bs, K_RSV, K_REXP, rsvField(req.sess, rg), rsvMember(ctx.id, req.sess, rg), r)
  s.dropHeld[#s.dropHeld + 1] = rg
end

-- RELEASE event for the unused money of a reservation ended by TERMINATE.
local function emitRelease(ctx, rg, r, unused)
  if unused <= 0 then return end
  emitRated(ctx, {
    type = 'RELEASE', canon = 'RELEASE|' .. ctx.id .. '|' .. req.sess .. '|' .. fmt(req.n) .. '|' .. fmt(rg),
    sub = req.sub, sess = req.sess, n = req.n, rg = rg, svc = r.svc, unit = r.unit,
    tariff = r.rate.tariffId, cycle = req.cycle, reason = 'TERMINATED', released = unused,
  })
end

local function processGroup(ctx, s, g)
  local out = newResult(g, 'SUCCESS')
  local r = rsvGet(K_RSV, rsvField(req.sess, g.rg))
  if r then
    out.unit = r.unit
    -- Released before the commit, so that its money and allowance units pay for the usage.
    releaseGroup(ctx, s, g.rg, r)
  end
  local code = 'SUCCESS'
  if g.used > 0 then code = commitGroup(ctx, s, g, r, out) end
  if req.kind == 'TERMINATE' then
    if r then emitRelease(ctx, g.rg, r, r.money - out.debited) end
  else
    local reserved = reserveGroup(ctx, s, g, out)
    if code == 'SUCCESS' then code = reserved end
  end
  out.code = code
  return out
end

-- TERMINATE: releases the reservations of groups the request did not name.
local function releaseRest(ctx, s)
  local named = {}
  for _, g in ipairs(req.rgs) do named[g.rg] = true end
  for _, rg in ipairs(s.held) do
    if not named[rg] then
      local r = rsvGet(K_RSV, rsvField(req.sess, rg))
      if r then
        releaseGroup(ctx, s, rg, r)
        emitRelease(ctx, rg, r, r.money)
      end
    end
  end
end

-- Stores the answer under r:<n>, keeps the last `req.keep` answers, and the session state.
local function sessionSave(s, reply)
  local hist = parseIntList(s.hist)
  hist[#hist + 1] = req.n
  while #hist > req.keep do
    redis.call('HDEL', K_SESS, 'r:' .. fmt(table.remove(hist, 1)))
  end
  local rec = '{"reply":' .. jstr(reply) .. '}'
  if req.h ~= nil then rec = '{"h":' .. jstr(req.h) .. ',"reply":' .. jstr(reply) .. '}' end
  local fields = { 'last', fmt(req.n), 'r:' .. fmt(req.n), rec }
  local list = {}
  for i, n in ipairs(hist) do list[i] = fmt(n) end
  fields[#fields + 1] = 'hist'; fields[#fields + 1] = table.concat(list, ',')
  for _, rg in ipairs(s.newPaid) do fields[#fields + 1] = 'sp:' .. fmt(rg); fields[#fields + 1] = '1' end
  for _, rg in ipairs(s.dropHeld) do redis.call('HDEL', K_SESS, 'v:' .. fmt(rg)) end
  for _, rg in ipairs(s.addHeld) do fields[#fields + 1] = 'v:' .. fmt(rg); fields[#fields + 1] = '1' end
  if req.kind == 'TERMINATE' then fields[#fields + 1] = 'closed'; fields[#fields + 1] = '1' end
  redis.call('HSET', K_SESS, unpack(fields))
  redis.call('PEXPIRE', K_SESS, req.ttl)
end

local early = checkSequence()
if early then return early end
local account = accountLoad(K_ACCT)
if not account then return { flatReply('USER_UNKNOWN'), 0 } end
local ctx = newContext(req.acct, account, req.now, KEYS[7])
ctx.bs = bucketsLoad(K_BKT, req.now, true)
local rgList = {}
for i, g in ipairs(req.rgs) do rgList[i] = g.rg end
ctx.cy = cycleLoad(K_CYC, req.cycle, rgList)
local s = sessionLoad()
local results = {}
for i, g in ipairs(req.rgs) do results[i] = processGroup(ctx, s, g) end
if req.kind == 'TERMINATE' then releaseRest(ctx, s) end
accountSave(K_ACCT, ctx.a)
bucketsSave(ctx.bs)
notifyBalance(ctx, 'SESSION|' .. ctx.id .. '|' .. req.sess .. '|' .. fmt(req.n))
local reply = encodeReply(topCode(results), ctx.a.balance, results)
sessionSave(s, reply)
return { reply, 0 }

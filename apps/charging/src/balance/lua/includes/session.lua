--[[
  session: the steps of chargeSession (see chargeSession-7.lua), defined once when the library
  loads rather than as closures on every call. `req` is the decoded ARGV[1], `keys` the script's
  KEYS (3 rsv, 5 sess, 6 rexp), `ctx` the account context with `bs` (buckets) and `cy` (cycle
  counters), `s` the session state of sessionLoad.
  Requires: core, rating, cycle, account, buckets, reservations.
]]

local function sessUnitOf(g, r)
  if r then return r.unit end
  if g.rate then return g.rate.unit end
  return 'EVENTS'
end

local function sessNewResult(g, code)
  return {
    rg = g.rg, code = code, unit = sessUnitOf(g, nil), granted = 0, validity = 0, fua = 'NONE',
    reserved = 0, debitedUnits = 0, allowanceUnits = 0, debited = 0,
  }
end

-- jenc({code, balance, rgs = jarr({{rg, code, unit, granted, validity, fua, reserved,
-- debitedUnits, allowanceUnits, debited}})}) written out (keys in jenc's order).
local function sessEncodeReply(code, balance, results)
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
local function sessFlatReply(req, code)
  local results = {}
  for i, g in ipairs(req.rgs) do results[i] = sessNewResult(g, code) end
  return sessEncodeReply(code, 0, results)
end

-- SUCCESS when any group (or none was asked) succeeded, else the first group's code.
local function sessTopCode(results)
  if #results == 0 then return 'SUCCESS' end
  for _, o in ipairs(results) do
    if o.code == 'SUCCESS' then return 'SUCCESS' end
  end
  return results[1].code
end

-- A stored answer `q:<n>`: the reply's JSON, `|`, the request hash ('' when none). The reply holds
-- no `|` (codes, units and numbers only), so the first one ends it; the hash may hold anything.
-- (Answers stored before this form are JSON {h, reply} under `r:<n>`, read until they expire.)
local function sessRecordRead(v)
  local bar = string.find(v, '|', 1, true)
  return string.sub(v, 1, bar - 1), string.sub(v, bar + 1)
end

-- Idempotency and sequence. Returns a reply to send as is, an error reply, or nil to go on; and
-- the session's `hist` field ('' when none).
local function sessCheckSequence(req, sessKey)
  local n = fmt(req.n)
  local st = redis.call('HMGET', sessKey, 'last', 'closed', 'q:' .. n, 'hist', 'r:' .. n)
  local hist = st[4] or ''
  if st[3] then
    local reply, h = sessRecordRead(st[3])
    if h == (req.h or '') then return { reply, 1 }, hist end
    return redis.error_reply('DUPLICATE_MISMATCH request ' .. n .. ' of this session was sent before with another content'), hist
  end
  if st[5] then
    local rec = cjson.decode(st[5])
    if rec.h == req.h then return { rec.reply, 1 }, hist end
    return redis.error_reply('DUPLICATE_MISMATCH request ' .. n .. ' of this session was sent before with another content'), hist
  end
  local last = tonumber(st[1])
  if req.kind == 'START' then
    if last then return redis.error_reply('DUPLICATE_MISMATCH a session with this id exists'), hist end
    return nil, hist
  end
  if not last then return { sessFlatReply(req, 'UNKNOWN_SESSION'), 0 }, hist end
  if req.n <= last then
    return redis.error_reply('OUT_OF_SEQUENCE request ' .. fmt(req.n) .. ' is at or below the last processed ' .. fmt(last)), hist
  end
  if st[2] == '1' then return { sessFlatReply(req, 'UNKNOWN_SESSION'), 0 }, hist end
  return nil, hist
end

-- Session fields: setup paid (sp:<rg>) and groups holding a reservation (v:<rg>), by the field
-- names alone (HKEYS: the stored answers q:<n> are not read), and `hist` as sessCheckSequence
-- read it.
local function sessionLoad(sessKey, hist)
  local names = redis.call('HKEYS', sessKey)
  local s = { setupPaid = {}, held = {}, hist = hist, newPaid = {}, dropHeld = {}, addHeld = {}, reheld = {} }
  for i = 1, #names do
    local f = names[i]
    local c = string.byte(f, 1)
    -- (only sp:* and v:* matter: the stored answers q:<n> and the rest are skipped unparsed)
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
local function sessCommitGroup(req, ctx, s, g, r, out)
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
local function sessGrantCap(rate, requested, now)
  local cap = billableOf(rate, requested)
  local tc = rate.tariffChangeAtMs
  if rate.unit == 'SECONDS' and tc and tc > now then
    local secs = math.ceil((tc - now) / 1000)
    if secs < cap then cap = secs end
  end
  return cap
end

-- How long a grant is valid: the request's validity, capped (for every unit) at the rate's tariff
-- change, so the client reports and asks again when the price changes (RFC 4006 Validity-Time).
local function sessGrantValidity(rate, validity, now)
  local tc = rate.tariffChangeAtMs
  if tc and tc > now and tc - now < validity then return tc - now end
  return validity
end

-- Reserves the requested units of group g.
local function sessReserveGroup(req, keys, ctx, s, g, out)
  if g.req <= 0 then return 'SUCCESS' end
  local rate = g.rate
  if not statusAllows(ctx.a.status, rate) then return 'END_USER_SERVICE_DENIED' end
  if not rate then return 'RATING_FAILED' end
  out.unit = rate.unit
  local eligible, free = bucketsEligible(ctx.bs, rate.unit, g.rg, ctx.now)
  local setup, avail = 0, available(ctx.a)
  if not s.setupPaid[g.rg] then setup = rate.setupMicros end
  if setup > 0 and setup > avail then return 'CREDIT_LIMIT_REACHED' end
  local c = cycleGet(ctx.cy, g.rg)
  local units, short = grantUnits(rate, c, free, avail - setup, sessGrantCap(rate, g.req, ctx.now))
  if units <= 0 then return 'CREDIT_LIMIT_REACHED' end
  local held = bucketsTake(ctx.bs, eligible, math.min(units, free), true)
  local money = grantCost(rate, c, free, units) + setup
  ctx.a.reserved = ctx.a.reserved + money
  local validity = sessGrantValidity(rate, req.validity, ctx.now)
  local expiresAt = ctx.now + validity
  rsvPut(keys[3], keys[6], rsvField(req.sess, g.rg), rsvMember(ctx.id, req.sess, g.rg), {
    units = units, money = money, bkts = held, ['until'] = expiresAt, exp = expiresAt + req.grace,
    unit = rate.unit, rate = rate, sub = req.sub, svc = g.svc, n = req.n, cycle = req.cycle,
  })
  s.addHeld[#s.addHeld + 1] = g.rg
  s.reheld[g.rg] = true
  out.granted, out.validity, out.reserved = units, validity, money
  if short then out.fua = 'TERMINATE' end
  return 'SUCCESS'
end

-- Hands reservation r of group rg back (money, allowance units); it is deleted when the call ends
-- unless the group reserves again (sessDropReleased), which overwrites it.
local function sessReleaseGroup(req, keys, ctx, s, rg, r)
  rsvGiveBack(ctx, ctx.bs, r)
  s.dropHeld[#s.dropHeld + 1] = rg
end

-- Deletes the reservations released by this call that no new one replaced, with their expiry entries.
local function sessDropReleased(req, keys, ctx, s)
  for _, rg in ipairs(s.dropHeld) do
    if not s.reheld[rg] then
      redis.call('HDEL', keys[3], rsvField(req.sess, rg))
      redis.call('ZREM', keys[6], rsvMember(ctx.id, req.sess, rg))
    end
  end
end

-- RELEASE event for the unused money of a reservation ended by TERMINATE.
local function sessEmitRelease(req, ctx, rg, r, unused)
  if unused <= 0 then return end
  emitRated(ctx, {
    type = 'RELEASE', canon = 'RELEASE|' .. ctx.id .. '|' .. req.sess .. '|' .. fmt(req.n) .. '|' .. fmt(rg),
    sub = req.sub, sess = req.sess, n = req.n, rg = rg, svc = r.svc, unit = r.unit,
    tariff = r.rate.tariffId, cycle = req.cycle, reason = 'TERMINATED', released = unused,
  })
end

local function sessProcessGroup(req, keys, ctx, s, g)
  local out = sessNewResult(g, 'SUCCESS')
  local r = rsvGet(keys[3], rsvField(req.sess, g.rg))
  if r then
    out.unit = r.unit
    -- Released before the commit, so that its money and allowance units pay for the usage.
    sessReleaseGroup(req, keys, ctx, s, g.rg, r)
  end
  local code = 'SUCCESS'
  if g.used > 0 then code = sessCommitGroup(req, ctx, s, g, r, out) end
  if req.kind == 'TERMINATE' then
    if r then sessEmitRelease(req, ctx, g.rg, r, r.money - out.debited) end
  else
    local reserved = sessReserveGroup(req, keys, ctx, s, g, out)
    if code == 'SUCCESS' then code = reserved end
  end
  out.code = code
  return out
end

-- TERMINATE: releases the reservations of groups the request did not name.
local function sessReleaseRest(req, keys, ctx, s)
  local named = {}
  for _, g in ipairs(req.rgs) do named[g.rg] = true end
  for _, rg in ipairs(s.held) do
    if not named[rg] then
      local r = rsvGet(keys[3], rsvField(req.sess, rg))
      if r then
        sessReleaseGroup(req, keys, ctx, s, rg, r)
        sessEmitRelease(req, ctx, rg, r, r.money)
      end
    end
  end
end

-- Stores the answer under q:<n> (reply|hash), keeps the last `req.keep` answers, and the session state.
local function sessionSave(req, sessKey, s, reply)
  local hist = parseIntList(s.hist)
  hist[#hist + 1] = req.n
  while #hist > req.keep do
    local old = fmt(table.remove(hist, 1))
    redis.call('HDEL', sessKey, 'q:' .. old, 'r:' .. old)
  end
  local n = fmt(req.n)
  local fields = { 'last', n, 'q:' .. n, reply .. '|' .. (req.h or '') }
  local list = {}
  for i, n in ipairs(hist) do list[i] = fmt(n) end
  fields[#fields + 1] = 'hist'; fields[#fields + 1] = table.concat(list, ',')
  for _, rg in ipairs(s.newPaid) do fields[#fields + 1] = 'sp:' .. fmt(rg); fields[#fields + 1] = '1' end
  for _, rg in ipairs(s.addHeld) do fields[#fields + 1] = 'v:' .. fmt(rg); fields[#fields + 1] = '1' end
  for _, rg in ipairs(s.dropHeld) do
    if not s.reheld[rg] then redis.call('HDEL', sessKey, 'v:' .. fmt(rg)) end
  end
  if req.kind == 'TERMINATE' then fields[#fields + 1] = 'closed'; fields[#fields + 1] = '1' end
  redis.call('HSET', sessKey, unpack(fields))
  redis.call('PEXPIRE', sessKey, req.ttl)
end

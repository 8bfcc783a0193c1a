--[[
  reservations: hash field `<sessionId>|<ratingGroup>` -> JSON
  {units, money, bkts [{id, n}], until, exp, unit, rate, sub, svc, n, cycle}
  (`exp` = until + grace, also the score of `<accountId>|<sessionId>|<ratingGroup>` in rexp).
  Requires: core, account, buckets.
]]

local function rsvField(sessionId, rg)
  return sessionId .. '|' .. fmt(rg)
end

local function rsvMember(accountId, sessionId, rg)
  return accountId .. '|' .. sessionId .. '|' .. fmt(rg)
end

local function rsvGet(key, field)
  local raw = redis.call('HGET', key, field)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- jenc of a tier / a rate (as decoded from ARGV); anything but the known shape goes to jenc.
local function jtier(t)
  if type(t) ~= 'table' or getmetatable(t) ~= nil or t.fromUnits == nil or t.priceMicros == nil or next(t, next(t, next(t))) ~= nil then
    return jenc(t)
  end
  return '{"fromUnits":' .. jnum(t.fromUnits) .. ',"priceMicros":' .. jnum(t.priceMicros) .. '}'
end

local RATE_KEYS = { firstUnits = true, nextUnits = true, perUnits = true, setupMicros = true, tariffChangeAtMs = true, tariffId = true, tiers = true, unit = true }

local function jrate(rate)
  if type(rate) ~= 'table' or getmetatable(rate) ~= nil then return jenc(rate) end
  local tiers = rate.tiers
  if type(tiers) ~= 'table' or #tiers == 0 or getmetatable(tiers) ~= nil then return jenc(rate) end
  for k in pairs(rate) do
    if not RATE_KEYS[k] then return jenc(rate) end
  end
  local ts = {}
  for i = 1, #tiers do ts[i] = jtier(tiers[i]) end
  local first, nxt, per, setup, tariff, unit = rate.firstUnits, rate.nextUnits, rate.perUnits, rate.setupMicros, rate.tariffId, rate.unit
  if first ~= nil and nxt ~= nil and per ~= nil and setup ~= nil and tariff ~= nil and unit ~= nil then
    return '{"firstUnits":' .. jnum(first) .. ',"nextUnits":' .. jnum(nxt) .. ',"perUnits":' .. jnum(per)
      .. ',"setupMicros":' .. jnum(setup) .. jfield('tariffChangeAtMs', rate.tariffChangeAtMs, jnum)
      .. ',"tariffId":' .. jstr(tariff) .. ',"tiers":[' .. table.concat(ts, ',') .. '],"unit":' .. jstr(unit) .. '}'
  end
  return jwrap(jfield('firstUnits', rate.firstUnits, jnum) .. jfield('nextUnits', rate.nextUnits, jnum)
    .. jfield('perUnits', rate.perUnits, jnum) .. jfield('setupMicros', rate.setupMicros, jnum)
    .. jfield('tariffChangeAtMs', rate.tariffChangeAtMs, jnum) .. jfield('tariffId', rate.tariffId, jstr)
    .. ',"tiers":[' .. table.concat(ts, ',') .. ']' .. jfield('unit', rate.unit, jstr))
end

-- jenc of a reservation record.
local function jreservation(r)
  local bkts, cycle, exp, money, n, rate, sub = r.bkts, r.cycle, r.exp, r.money, r.n, r.rate, r.sub
  local svc, unit, units, untilMs = r.svc, r.unit, r.units, r['until']
  if bkts ~= nil and cycle ~= nil and exp ~= nil and money ~= nil and n ~= nil and rate ~= nil and sub ~= nil
    and svc ~= nil and unit ~= nil and units ~= nil and untilMs ~= nil then
    return '{"bkts":' .. jidns(bkts) .. ',"cycle":' .. jstr(cycle) .. ',"exp":' .. jnum(exp) .. ',"money":' .. jnum(money)
      .. ',"n":' .. jnum(n) .. ',"rate":' .. jrate(rate) .. ',"sub":' .. jstr(sub) .. ',"svc":' .. jnum(svc)
      .. ',"unit":' .. jstr(unit) .. ',"units":' .. jnum(units) .. ',"until":' .. jnum(untilMs) .. '}'
  end
  return jwrap(jfield('bkts', r.bkts, jidns) .. jfield('cycle', r.cycle, jstr) .. jfield('exp', r.exp, jnum)
    .. jfield('money', r.money, jnum) .. jfield('n', r.n, jnum) .. jfield('rate', r.rate, jrate)
    .. jfield('sub', r.sub, jstr) .. jfield('svc', r.svc, jnum) .. jfield('unit', r.unit, jstr)
    .. jfield('units', r.units, jnum) .. jfield('until', r['until'], jnum))
end

local function rsvPut(rsvKey, rexpKey, field, member, r)
  redis.call('HSET', rsvKey, field, jreservation(r))
  redis.call('ZADD', rexpKey, r.exp, member)
end

-- Gives the reservation's money and bucket units back (the caller deletes it, or overwrites it).
local function rsvGiveBack(ctx, bs, r)
  ctx.a.reserved = ctx.a.reserved - r.money
  bucketsRelease(bs, r.bkts)
end

-- Gives the reservation's money and bucket units back and deletes it with its expiry entry.
local function rsvRelease(ctx, bs, rsvKey, rexpKey, field, member, r)
  rsvGiveBack(ctx, bs, r)
  redis.call('HDEL', rsvKey, field)
  redis.call('ZREM', rexpKey, member)
end

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

local function rsvPut(rsvKey, rexpKey, field, member, r)
  redis.call('HSET', rsvKey, field, jenc({
    units = r.units, money = r.money, bkts = jarr(r.bkts), ['until'] = r['until'], exp = r.exp,
    unit = r.unit, rate = r.rate, sub = r.sub, svc = r.svc, n = r.n, cycle = r.cycle,
  }))
  redis.call('ZADD', rexpKey, r.exp, member)
end

-- Gives the reservation's money and bucket units back and deletes it with its expiry entry.
local function rsvRelease(ctx, bs, rsvKey, rexpKey, field, member, r)
  ctx.a.reserved = ctx.a.reserved - r.money
  bucketsRelease(bs, r.bkts)
  redis.call('HDEL', rsvKey, field)
  redis.call('ZREM', rexpKey, member)
end

--[[
  buckets: allowance buckets of one account (hash bucketId -> JSON
  {unit, rgs, total, remaining, reserved, from, until}). Free units = remaining - reserved.
  A bucket pays for a request when its unit matches, its rating groups are empty or contain the
  group, and from <= now < until. First-to-expire pays first (ties by bucket id).
  Requires: core.
]]

-- Loads every bucket; with `clean`, deletes buckets past `until` that hold no reserved units.
local function bucketsLoad(key, now, clean)
  local flat = redis.call('HGETALL', key)
  local bs = { key = key, list = {}, byId = {}, dirty = {} }
  for i = 1, #flat, 2 do
    local b = cjson.decode(flat[i + 1])
    b.id = flat[i]
    if clean and b['until'] <= now and b.reserved <= 0 then
      redis.call('HDEL', key, b.id)
    else
      bs.list[#bs.list + 1] = b
      bs.byId[b.id] = b
    end
  end
  return bs
end

local function bucketJson(b)
  return jenc({
    unit = b.unit, rgs = jarr(b.rgs), total = b.total, remaining = b.remaining,
    reserved = b.reserved, from = b.from, ['until'] = b['until'],
  })
end

-- jenc of what defines a bucket (grantBucket's idempotency: the counters left out).
local function bucketDefinition(b)
  return jenc({ unit = b.unit, rgs = jarr(b.rgs), total = b.total, from = b.from, ['until'] = b['until'] })
end

local function bucketsSave(bs)
  for id, b in pairs(bs.dirty) do redis.call('HSET', bs.key, id, bucketJson(b)) end
end

local function bucketFree(b)
  return b.remaining - b.reserved
end

local function bucketPays(b, unit, rg, now)
  if b.unit ~= unit or b.from > now or b['until'] <= now or bucketFree(b) <= 0 then return false end
  if #b.rgs == 0 then return true end
  for _, x in ipairs(b.rgs) do
    if x == rg then return true end
  end
  return false
end

-- Order of use: first-to-expire first, ties by bucket id.
local function bucketExpiresFirst(x, y)
  if x['until'] ~= y['until'] then return x['until'] < y['until'] end
  return x.id < y.id
end

-- Buckets that pay for (unit, rg) at now, first-to-expire first, and their free units.
local function bucketsEligible(bs, unit, rg, now)
  local out, free = {}, 0
  for _, b in ipairs(bs.list) do
    if bucketPays(b, unit, rg, now) then
      out[#out + 1] = b
      free = free + bucketFree(b)
    end
  end
  if #out > 1 then table.sort(out, bucketExpiresFirst) end
  return out, free
end

-- Takes up to `need` free units from `list` in order: reserves them (reserve = true) or
-- consumes them. Returns {{id, n}} and the total.
local function bucketsTake(bs, list, need, reserve)
  local taken, total = jarr({}), 0
  for _, b in ipairs(list) do
    if need <= 0 then break end
    local x = math.min(need, bucketFree(b))
    if x > 0 then
      if reserve then b.reserved = b.reserved + x else b.remaining = b.remaining - x end
      bs.dirty[b.id] = b
      taken[#taken + 1] = { id = b.id, n = x }
      total = total + x
      need = need - x
    end
  end
  return taken, total
end

-- Consumes up to `need` units from the buckets a (released) reservation held, in its order and
-- at most what it held of each. A bucket that expired since the grant still pays what it promised.
local function bucketsConsumeHeld(bs, held, need)
  local taken, total = jarr({}), 0
  for _, h in ipairs(held) do
    local b = bs.byId[h.id]
    if need <= 0 then break end
    if b then
      local x = math.min(need, h.n, bucketFree(b))
      if x > 0 then
        b.remaining = b.remaining - x
        bs.dirty[b.id] = b
        taken[#taken + 1] = { id = b.id, n = x }
        total = total + x
        need = need - x
      end
    end
  end
  return taken, total
end

-- Hands reserved bucket units back.
local function bucketsRelease(bs, held)
  for _, h in ipairs(held) do
    local b = bs.byId[h.id]
    if b then
      b.reserved = math.max(0, b.reserved - h.n)
      bs.dirty[b.id] = b
    end
  end
end

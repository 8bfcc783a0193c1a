--[[
  cycle: per-cycle usage counters of one account (hash `id` -> cycle id, `<ratingGroup>` ->
  units charged with money in that cycle), the tier position of the next charge. A request with
  another cycle id starts the counters afresh (they are reset on the first write).
  Requires: core, rating.
]]

-- With `rgs` (rating groups the call will price), their counters are read in the same HMGET as
-- the cycle id, not one HGET each later.
local cycleLoad
cycleLoad = function(key, cycleId, rgs)
  if not rgs or #rgs == 0 then
    local id = redis.call('HGET', key, 'id')
    return { key = key, id = cycleId, fresh = (id ~= cycleId), used = {} }
  end
  local fields = { 'id' }
  for i = 1, #rgs do
    if type(rgs[i]) ~= 'number' then return cycleLoad(key, cycleId) end
    fields[i + 1] = fmt(rgs[i])
  end
  local h = redis.call('HMGET', key, unpack(fields))
  local cy = { key = key, id = cycleId, fresh = (h[1] ~= cycleId), used = {} }
  for i = 1, #rgs do
    if cy.used[rgs[i]] == nil then
      local v = 0
      if not cy.fresh then v = tonumber(h[i + 1]) or 0 end
      cy.used[rgs[i]] = v
    end
  end
  return cy
end

local function cycleGet(cy, rg)
  local v = cy.used[rg]
  if v == nil then
    v = 0
    if not cy.fresh then v = tonumber(redis.call('HGET', cy.key, fmt(rg))) or 0 end
    cy.used[rg] = v
  end
  return v
end

-- Adds `m` (may be negative for a refund) to the counter of `rg`, clamped to [0, CYCLE_MAX].
local function cycleAdd(cy, rg, m)
  if m == 0 then return end
  local v = math.max(0, math.min(cycleGet(cy, rg) + m, CYCLE_MAX))
  cy.used[rg] = v
  if cy.fresh then
    redis.call('DEL', cy.key)
    redis.call('HSET', cy.key, 'id', cy.id, fmt(rg), fmt(v))
    cy.fresh = false
    return
  end
  redis.call('HSET', cy.key, fmt(rg), fmt(v))
end

-- Writes the counters of cycle `cycleId` afresh (an account created with its tier position):
-- `list` = {{rg, units}}, each clamped to [0, CYCLE_MAX] as cycleAdd clamps. Nothing when empty.
local function cycleRestore(key, cycleId, list)
  if #list == 0 then return end
  local fields = { 'id', cycleId }
  for _, x in ipairs(list) do
    fields[#fields + 1] = fmt(x.rg)
    fields[#fields + 1] = fmt(math.max(0, math.min(x.units, CYCLE_MAX)))
  end
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(fields))
end

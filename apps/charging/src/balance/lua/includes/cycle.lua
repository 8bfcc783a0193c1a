--[[
  cycle: per-cycle usage counters of one account (hash `id` -> cycle id, `<ratingGroup>` ->
  units charged with money in that cycle), the tier position of the next charge. A request with
  another cycle id starts the counters afresh (they are reset on the first write).
  Requires: core, rating.
]]

local function cycleLoad(key, cycleId)
  local id = redis.call('HGET', key, 'id')
  return { key = key, id = cycleId, fresh = (id ~= cycleId), used = {} }
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
  if cy.fresh then
    redis.call('DEL', cy.key)
    redis.call('HSET', cy.key, 'id', cy.id)
    cy.fresh = false
  end
  cy.used[rg] = v
  redis.call('HSET', cy.key, fmt(rg), fmt(v))
end

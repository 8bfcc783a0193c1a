--[[
  rating: the integer form of @app/rating CompiledRate, applied exactly.
    billableOf(rate, u) = 0 | first | first + ceil((u - first) / next) * next
    price(rate, c, b)   = round_half_up(sum over tiers of overlap(tier, [c, c + b)) * priceMicros / perUnits)
  (setup fee excluded; tiers by cycle usage c). Prices saturate at INF.
  Requires: core.
]]
local CYCLE_MAX = P52                -- cycle usage counters saturate here so c + b stays exact

local function billableOf(rate, u)
  if u <= 0 then return 0 end
  local f, n = rate.firstUnits, rate.nextUnits
  if u <= f then return f end
  local k = idiv(u - f + n - 1, n)
  return f + k * n
end

local function price(rate, c, b)
  if b <= 0 then return 0 end
  local per, tiers = rate.perUnits, rate.tiers
  local e = c + b
  local whole, rem = 0, 0
  for i = 1, #tiers do
    local lo = math.max(tiers[i].fromUnits, c)
    local hi = e
    if tiers[i + 1] and tiers[i + 1].fromUnits < hi then hi = tiers[i + 1].fromUnits end
    if hi > lo then
      local p = tiers[i].priceMicros
      local q, r = idiv(hi - lo, per)
      local qp = q * p
      if qp > MAXS - whole then return INF end
      local x, y = mulDivMod(r, p, per)
      whole = whole + qp + x
      rem = rem + y
      if whole > MAXS then return INF end
    end
  end
  local x, y = idiv(rem, per)
  whole = whole + x
  if 2 * y >= per then whole = whole + 1 end
  if whole > MAXS then return INF end
  return whole
end

-- True when the rate costs nothing at all: no setup fee and a zero price in every tier. Such a
-- service (incoming calls at home, toll-free and emergency numbers, zero-rated content) is what a
-- SOFT_BARRED account may still use.
local function rateIsFree(rate)
  if rate.setupMicros ~= 0 then return false end
  for i = 1, #rate.tiers do
    if rate.tiers[i].priceMicros ~= 0 then return false end
  end
  return true
end

-- Whether an account of this status may use a service rated by `rate` (nil: no rate): ACTIVE any,
-- SOFT_BARRED (outgoing barred: dunning's soft bar) only a free one, BARRED and CLOSED none. The
-- caller answers RATING_FAILED for a missing rate the account may otherwise use.
local function statusAllows(status, rate)
  if status == 'ACTIVE' then return true end
  return status == 'SOFT_BARRED' and (rate == nil or rateIsFree(rate))
end

-- Money for a grant of g units when `free` allowance units pay first.
local function grantCost(rate, c, free, g)
  local m = g - free
  if m <= 0 then return 0 end
  return price(rate, c, m)
end

-- Largest g = first + k * next <= cap with grantCost(g) <= funds; 0 when none (binary search:
-- the cost never falls as g grows).
local function largestAffordable(rate, c, free, funds, cap)
  local f, n = rate.firstUnits, rate.nextUnits
  if cap < f or grantCost(rate, c, free, f) > funds then return 0 end
  local lo = 0
  local hi = idiv(cap - f, n)
  while lo < hi do
    local mid = lo + idiv(hi - lo + 1, 2)
    if grantCost(rate, c, free, f + mid * n) <= funds then lo = mid else hi = mid - 1 end
  end
  return f + lo * n
end

-- Units to grant for a request capped at `cap` (already in increments or at a tariff change):
-- all of it when affordable (or paid by allowances alone), else the largest affordable increment
-- or what the allowances alone cover, whichever is more. `funds` may be negative (then only
-- allowances can pay). Returns the units and whether the grant is short (final units).
local function grantUnits(rate, c, free, funds, cap)
  local full = grantCost(rate, c, free, cap)
  if full == 0 or full <= funds then return cap, false end
  local g = 0
  if funds >= 0 then g = largestAffordable(rate, c, free, funds, cap) end
  local byAllowance = math.min(free, cap)
  if byAllowance > g then g = byAllowance end
  return g, true
end

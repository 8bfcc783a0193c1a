--[[
  core: exact integer arithmetic on Lua 5.1 numbers (IEEE doubles) and a JSON encoder that
  never prints a number in exponent form.

  Lua prints numbers with "%.14g" (tostring, `..`), so 1e15 would come out as "1e+15": every
  number that leaves a script goes through fmt() ('%.0f'). All amounts stay integers <= MAXS.
]]
local MAXS = 9007199254740991        -- 2^53 - 1: largest exact integer
local INF = 9007199254740992         -- saturation value of prices: "more than any balance"
local P52 = 4503599627370496         -- 2^52: bound under which products and their quotients stay exact

-- Decimal text of an integer, never "-0" nor "1e+15".
local function fmt(n)
  if n == 0 then return '0' end
  return string.format('%.0f', n)
end

-- floor(a / d) and a mod d, exact for integers 0 <= a < 2^53 - d and 1 <= d <= 2^52.
local function idiv(a, d)
  local q = math.floor(a / d)
  local r = a - q * d
  if r < 0 then
    q = q - 1; r = r + d
  elseif r >= d then
    q = q + 1; r = r - d
  end
  return q, r
end

-- floor(a * b / d) and (a * b) mod d, exact without 106-bit products, for
-- 0 <= a < d <= 2^52 and 0 <= b <= 2^53 - 1 (binary long multiplication modulo d).
local function mulDivMod(a, b, d)
  if a == 0 or b == 0 then return 0, 0 end
  if a * b < P52 then return idiv(a * b, d) end
  local bits, n = {}, 0
  while b > 0 do
    local bit = b % 2
    n = n + 1; bits[n] = bit
    b = (b - bit) / 2
  end
  local q, r = 0, 0
  for i = n, 1, -1 do
    q = q * 2; r = r * 2
    if r >= d then r = r - d; q = q + 1 end
    if bits[i] == 1 then
      r = r + a
      if r >= d then r = r - d; q = q + 1 end
    end
  end
  return q, r
end

-- a + b saturated at INF (both >= 0).
local function satAdd(a, b)
  if a >= INF or b >= INF or a > MAXS - b then return INF end
  return a + b
end

local JSON_ARRAY = {}
-- Marks a table as a JSON array (so an empty one encodes as [] and not {}).
local function jarr(t)
  return setmetatable(t, JSON_ARRAY)
end

-- JSON with sorted object keys and integer numbers printed exactly.
local jenc
jenc = function(v)
  local t = type(v)
  if t == 'string' then return cjson.encode(v) end
  if t == 'number' then
    if v ~= math.floor(v) or v > MAXS or v < -MAXS then error('ratel: number out of the exact range in JSON') end
    return fmt(v)
  end
  if t == 'boolean' then return v and 'true' or 'false' end
  if t ~= 'table' then error('ratel: cannot encode ' .. t) end
  local parts = {}
  if getmetatable(v) == JSON_ARRAY or #v > 0 then
    for i = 1, #v do parts[i] = jenc(v[i]) end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do parts[i] = cjson.encode(k) .. ':' .. jenc(v[k]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- Comma list of integers -> array of numbers.
local function parseIntList(s)
  local out = {}
  if s and s ~= '' then
    for x in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(x) end
  end
  return out
end

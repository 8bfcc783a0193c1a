--[[
  core: exact integer arithmetic on Lua 5.1 numbers (IEEE doubles) and a JSON encoder that
  never prints a number in exponent form.

  Lua prints numbers with "%.14g" (tostring, `..`), so 1e15 would come out as "1e+15": every
  number that leaves a script goes through fmt() ('%.0f'). All amounts stay integers <= MAXS.
]]
local MAXS = 9007199254740991        -- 2^53 - 1: largest exact integer
local INF = 9007199254740992         -- saturation value of prices: "more than any balance"
local P52 = 4503599627370496         -- 2^52: bound under which products and their quotients stay exact

-- Decimal text of an integer, never "-0" nor "1e+15". An integer below 10^18 in magnitude is
-- exact as a C long, and '%d' prints it as '%.0f' does at half the cost; small ones (rating
-- groups, counts, prices) are kept in FMT_CACHE, so most calls format nothing at all.
local FMT_CACHE = {}
local FMT_CACHED = 0
local function fmt(n)
  if n == 0 then return '0' end
  local s = FMT_CACHE[n]
  if s then return s end
  if type(n) == 'number' and n % 1 == 0 and n < 1e18 and n > -1e18 then
    s = string.format('%d', n)
    if n < 1e7 and n > -1e7 and FMT_CACHED < 20000 then
      FMT_CACHE[n] = s
      FMT_CACHED = FMT_CACHED + 1
    end
    return s
  end
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

-- Pieces of jenc's output for encoders written out by hand on hot paths (a call's cost inside
-- Redis is mostly what it allocates: no table and key sort per object, fewer strings). An encoder
-- writes the keys in jenc's order (sorted by byte, as Redis's C collation sorts them), omits a
-- key whose value is nil, and encodes each value exactly as jenc does: one concatenation
-- ('{"a":' .. jnum(x) .. ',"b":' .. jstr(y) .. '}') where every field is known to be present,
-- jfield()s in a jwrap() where one may be nil; json-encoding.integration-spec.ts holds them to
-- jenc's output. (A buffer table and table.concat cost about four times one `..` chain.)
-- (The scripts load as a Redis Functions library: its top level runs where no global but `redis`
-- exists, so only constants, empty tables and function definitions live there; globals are read
-- inside functions.)
local function jstr(v)
  -- (cjson.encode of a string costs less than a pattern test of whether it needs escaping)
  if type(v) == 'string' then return cjson.encode(v) end
  return jenc(v)
end

local function jnum(v)
  if type(v) ~= 'number' then return jenc(v) end
  -- (v % 1 ~= 0: not an integer, NaN or +-inf, like v ~= math.floor(v) or out of range)
  if v % 1 ~= 0 or v > MAXS or v < -MAXS then error('ratel: number out of the exact range in JSON') end
  return FMT_CACHE[v] or fmt(v)
end

-- jenc(fmt(n)): a decimal string needs no escaping.
local function jmoney(n)
  return '"' .. fmt(n) .. '"'
end

-- `,"key":<enc(v)>` (without the comma when `first`), or '' when v is nil.
local function jfield(key, v, enc, first)
  if v == nil then return '' end
  if first then return '"' .. key .. '":' .. enc(v) end
  return ',"' .. key .. '":' .. enc(v)
end

-- An object of jfield()s (each with its comma): {...} without the first comma.
local function jwrap(fields)
  if fields == '' then return '{}' end
  return '{' .. string.sub(fields, 2) .. '}'
end

-- jenc of a JSON_ARRAY-marked list of {id, n} (allowance units per bucket).
local function jidns(list)
  local items = {}
  for i, x in ipairs(list) do
    items[i] = '{' .. jfield('id', x.id, jstr, true) .. jfield('n', x.n, jnum, x.id == nil) .. '}'
  end
  return '[' .. table.concat(items, ',') .. ']'
end

-- Comma list of integers -> array of numbers.
local function parseIntList(s)
  local out = {}
  if s and s ~= '' then
    for x in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(x) end
  end
  return out
end

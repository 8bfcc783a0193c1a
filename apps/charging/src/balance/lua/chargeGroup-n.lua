--[[
  chargeGroup_v1: several charging calls of one slot bucket in one function call, each exactly
  the chargeSession_v1 or eventCharge_v1 call it stands for (the same code: session-entry and
  event-entry), one after the other in the order given. Each item is atomic as its own call
  would be, and fails alone: its error is its reply, the other items go on.

  Every key is of one slot bucket {b:N}, so the call stays on one Redis Cluster slot.

  ARGV[i]  item i: 'S' followed by a chargeSession_v1 ARGV[1], or 'E' followed by an
           eventCharge_v1 ARGV[1]
  KEYS     the keys of item 1, then those of item 2, ...: 7 for an 'S' item (chargeSession-7.lua),
           6 for an 'E' item (eventCharge-6.lua)

  Reply: one entry per item, in order: {replyJson, replayed (0|1)} as its own call would answer,
         or {-1, errorMessage} where its own call would have failed with errorMessage.
  Errors: BAD_GROUP  an item of another kind, or KEYS not matching the items (nothing is run)
]]
--- @include "core"
--- @include "rating"
--- @include "cycle"
--- @include "account"
--- @include "buckets"
--- @include "reservations"
--- @include "session"
--- @include "session-entry"
--- @include "event"
--- @include "event-entry"

local runners = { S = { chargeSessionItem, 7 }, E = { eventChargeItem, 6 } }
local needed = 0
for i = 1, #ARGV do
  local r = runners[string.sub(ARGV[i], 1, 1)]
  if not r then return redis.error_reply('BAD_GROUP item ' .. i .. ' is neither S nor E') end
  needed = needed + r[2]
end
if needed ~= #KEYS then
  return redis.error_reply('BAD_GROUP the items need ' .. needed .. ' keys, ' .. #KEYS .. ' given')
end
local out = {}
local k = 0
for i = 1, #ARGV do
  local r = runners[string.sub(ARGV[i], 1, 1)]
  local keys = {}
  for j = 1, r[2] do keys[j] = KEYS[k + j] end
  k = k + r[2]
  local ok, reply = pcall(r[1], keys, string.sub(ARGV[i], 2))
  if not ok then
    -- raised: by redis.call (a table with err) or by error() (a string)
    local msg = reply
    if type(reply) == 'table' then msg = reply.err end
    if type(msg) ~= 'string' then msg = 'ERR the item failed' end
    out[i] = { -1, msg }
  elseif reply.err then
    out[i] = { -1, reply.err }
  else
    out[i] = reply
  end
end
return out

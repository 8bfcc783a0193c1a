--[[
  event-entry: one event charge, the whole of eventCharge_v1, as a function of its six keys and
  its JSON argument, so that chargeGroup_v1 runs exactly the same code for each of its items (see
  eventCharge-6.lua for the keys, the argument and the reply).
]]
local function eventChargeItem(keys, arg)
  -- (the steps are in includes/event.lua; they take the keys as `keys`)
  local req = cjson.decode(arg)
  if req.kind ~= 'CHECK' then
    local raw = redis.call('GET', keys[4])
    if raw then
      local rec = cjson.decode(raw)
      if rec.h == req.h then return { rec.reply, 1 } end
      return redis.error_reply('DUPLICATE_MISMATCH this requestId was used before with another content')
    end
  end
  local account = accountLoad(keys[1])
  if not account then return { eventEncodeReply('USER_UNKNOWN', 0, 0, 0), 0 } end
  if req.kind == 'REFUND' then return eventRefund(req, keys, account) end
  return eventDebitOrCheck(req, keys, account)
end

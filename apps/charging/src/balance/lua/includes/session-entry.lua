--[[
  session-entry: one credit-control request of a session, the whole of chargeSession_v1, as a
  function of its seven keys and its JSON argument, so that chargeGroup_v1 runs exactly the same
  code for each of its items (see chargeSession-7.lua for the keys, the argument and the reply).
]]
local function chargeSessionItem(keys, arg)
  local req = cjson.decode(arg)
  -- (the steps are in includes/session.lua; those touching reservations take the keys as `keys`)
  local K_ACCT, K_BKT, K_CYC, K_SESS = keys[1], keys[2], keys[4], keys[5]
  local early, hist = sessCheckSequence(req, K_SESS)
  if early then return early end
  local account = accountLoad(K_ACCT)
  if not account then return { sessFlatReply(req, 'USER_UNKNOWN'), 0 } end
  local ctx = newContext(req.acct, account, req.now, keys[7])
  ctx.bs = bucketsLoad(K_BKT, req.now, true)
  local rgList = {}
  for i, g in ipairs(req.rgs) do rgList[i] = g.rg end
  ctx.cy = cycleLoad(K_CYC, req.cycle, rgList)
  local s = sessionLoad(K_SESS, hist)
  local results = {}
  for i, g in ipairs(req.rgs) do results[i] = sessProcessGroup(req, keys, ctx, s, g) end
  if req.kind == 'TERMINATE' then sessReleaseRest(req, keys, ctx, s) end
  sessDropReleased(req, keys, ctx, s)
  accountSave(K_ACCT, ctx.a)
  bucketsSave(ctx.bs)
  notifyBalance(ctx, 'SESSION|' .. ctx.id .. '|' .. req.sess .. '|' .. fmt(req.n))
  local reply = sessEncodeReply(sessTopCode(results), ctx.a.balance, results)
  sessionSave(req, K_SESS, s, reply)
  return { reply, 0 }
end

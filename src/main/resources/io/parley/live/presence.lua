-- Presence of users across gateway instances. Per user a hash  parley:pres:<tenant>:<userId>  with one
-- field per instance holding connections of the user ("online" or "idle"), "_away" (the user's own
-- choice), "_name" and "_seen" (when the user last went offline). Each instance field has a deadline in
-- the sorted set  parley:pres:deadlines  (member "<tenant>|<userId>|<instance>"), renewed by its owner's
-- heartbeat; an entry past its deadline belongs to a dead instance and is dropped by whichever instance
-- sweeps first. Every change answers, per user, {tenant, userId, before, after, lastSeenAt, name}: the
-- caller announces a change of state exactly once.
--
-- ARGV[1] = action: put | drop | away | sweep | get
local DEADLINES = 'parley:pres:deadlines'
local PREFIX = 'parley:pres:'
local KEEP_MS = 2592000000  -- a hash nobody touches for 30 days is forgotten

local function state(key)
  local fields = redis.call('HGETALL', key)
  local any, active, away = false, false, false
  for i = 1, #fields, 2 do
    local f, v = fields[i], fields[i + 1]
    if f == '_away' then
      away = true
    elseif string.sub(f, 1, 1) ~= '_' then
      any = true
      if v == 'online' then active = true end
    end
  end
  if not any then return 'offline' end
  if away or not active then return 'away' end
  return 'online'
end

local function seen(key)
  return redis.call('HGET', key, '_seen') or '0'
end

-- Drops one instance's field; stamps "_seen" when the user goes offline by it.
local function drop(key, instance, member, now)
  local before = state(key)
  redis.call('HDEL', key, instance)
  redis.call('ZREM', DEADLINES, member)
  local after = state(key)
  if after == 'offline' and before ~= 'offline' then
    redis.call('HSET', key, '_seen', now)
  end
  return {before, after, seen(key)}
end

local action = ARGV[1]
if action == 'put' then
  -- ARGV: put, now, deadline, instance, then per user: tenant, userId, name, value ("online"|"idle")
  local now, deadline, instance = ARGV[2], ARGV[3], ARGV[4]
  local out = {}
  for i = 5, #ARGV, 4 do
    local tenant, user, name, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local key = PREFIX .. tenant .. ':' .. user
    local before = state(key)
    redis.call('HSET', key, instance, value, '_name', name)
    redis.call('PEXPIRE', key, KEEP_MS)
    redis.call('ZADD', DEADLINES, deadline, tenant .. '|' .. user .. '|' .. instance)
    table.insert(out, {tenant, user, before, state(key), seen(key), name})
  end
  return out
elseif action == 'drop' then
  -- ARGV: drop, now, instance, tenant, userId
  local now, instance, tenant, user = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
  local key = PREFIX .. tenant .. ':' .. user
  local r = drop(key, instance, tenant .. '|' .. user .. '|' .. instance, now)
  return {{tenant, user, r[1], r[2], r[3], redis.call('HGET', key, '_name') or ''}}
elseif action == 'away' then
  -- ARGV: away, tenant, userId, 1|0
  local key = PREFIX .. ARGV[2] .. ':' .. ARGV[3]
  local before = state(key)
  if ARGV[4] == '1' then redis.call('HSET', key, '_away', '1') else redis.call('HDEL', key, '_away') end
  return {{ARGV[2], ARGV[3], before, state(key), seen(key), redis.call('HGET', key, '_name') or ''}}
elseif action == 'sweep' then
  -- ARGV: sweep, now, limit: entries past their deadline (their instance stopped renewing them)
  local now, limit = ARGV[2], tonumber(ARGV[3])
  local due = redis.call('ZRANGEBYSCORE', DEADLINES, '-inf', now, 'LIMIT', 0, limit)
  local out = {}
  for _, member in ipairs(due) do
    local tenant, user, instance = string.match(member, '^([^|]*)|([^|]*)|(.*)$')
    if tenant then
      local key = PREFIX .. tenant .. ':' .. user
      local r = drop(key, instance, member, now)
      table.insert(out, {tenant, user, r[1], r[2], r[3], redis.call('HGET', key, '_name') or ''})
    else
      redis.call('ZREM', DEADLINES, member)
    end
  end
  return out
elseif action == 'get' then
  -- ARGV: get, then tenant, userId pairs
  local out = {}
  for i = 2, #ARGV, 2 do
    local key = PREFIX .. ARGV[i] .. ':' .. ARGV[i + 1]
    table.insert(out, {ARGV[i + 1], state(key), seen(key)})
  end
  return out
end
return redis.error_reply('unknown action ' .. tostring(action))

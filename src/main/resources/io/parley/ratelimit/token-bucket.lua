-- The token-bucket rule of io.parley.ratelimit.TokenBuckets, shared by every node through Redis: one
-- round trip, atomic. KEYS[1] the bucket; ARGV[1] burst, ARGV[2] tokens per millisecond, ARGV[3] the
-- millis after which an untouched bucket is full again (its key then expires).
-- Returns 0 if a token was taken, else the millis until one is there. Time is Redis's, so nodes with
-- skewed clocks still agree.
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(at, now)))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return wait

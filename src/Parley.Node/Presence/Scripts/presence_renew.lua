-- Extends the TTL of connections still present in a room. A connection that is missing (expired,
-- or lost with a Redis restart) is not re-created here: the caller decides whether it still
-- belongs and adds it again.
-- KEYS[1]     the room: ZSET of present users, each scored by the expiry of their latest connection (ms)
-- KEYS[2..n]  for each connection, its user in that room: ZSET of connection ids scored by expiry (ms)
-- ARGV[1]     the TTL in milliseconds
-- ARGV[2..n]  for each KEYS[i], the user id at ARGV[2i-2] and the connection id at ARGV[2i-1]
-- Returns the indexes i - 1 of the connections not found (KEYS[i]), in order; empty when all were renewed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)

local missing = {}
for i = 2, #KEYS do
  local user = ARGV[2 * i - 2]
  local connection = ARGV[2 * i - 1]
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZSCORE', KEYS[i], connection) then
    redis.call('ZADD', KEYS[i], expiry, connection)
    local latest = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    redis.call('ZADD', KEYS[1], latest[2], user)
    redis.call('PEXPIREAT', KEYS[i], latest[2])
  else
    missing[#missing + 1] = i - 1
  end
end

local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 then
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return missing

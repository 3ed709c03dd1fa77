-- Removes one connection of a user from a room.
-- KEYS[1]  the room: ZSET of present users, each scored by the expiry of their latest connection (ms)
-- KEYS[2]  the user in that room: ZSET of their connection ids, each scored by its expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- Returns 1 when it was the user's last live connection (they left), else 0; a connection that
-- is not present, or already expired, is not a leave.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)

if redis.call('ZREM', KEYS[2], ARGV[2]) == 0 then
  return 0
end

-- Each key left with entries now expires with its latest one, so a removed long-lived connection
-- does not keep a room's keys alive.
local left = 1
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #latest > 0 then
  redis.call('ZADD', KEYS[1], latest[2], ARGV[1])
  redis.call('PEXPIREAT', KEYS[2], latest[2])
  left = 0
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end

local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 then
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return left

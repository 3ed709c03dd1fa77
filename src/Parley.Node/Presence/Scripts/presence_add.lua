-- Adds or renews one connection of a user in a room.
-- KEYS[1]  the room: ZSET of present users, each scored by the expiry of their latest connection (ms)
-- KEYS[2]  the user in that room: ZSET of their connection ids, each scored by its expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- ARGV[3]  the TTL in milliseconds
-- Returns 1 when the user had no live connection before (they joined), else 0.
-- Time comes from the server, so the nodes' clocks do not matter. Entries expire at their score
-- (a score at or before now is gone); each key expires with its latest entry.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)

local joined = redis.call('ZCARD', KEYS[2]) == 0
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])

local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[1], latest[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], latest[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])

if joined then
  return 1
end
return 0

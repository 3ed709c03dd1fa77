-- Counts the live slots of a tenant or of one user in it.
-- KEYS[1]  a tenant's or a user's ZSET of slots, each scored by its expiry (ms)
-- Returns the number of slots whose expiry is after now (server time); expired ones are removed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])

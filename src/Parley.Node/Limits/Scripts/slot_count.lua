-- Counts the live entries of a tenant's slots, one user's slots, or a tenant's online users.
-- KEYS[1]  one of those ZSETs, each entry scored by its expiry (ms)
-- Returns the number of entries whose expiry is after now (server time); expired ones are removed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])

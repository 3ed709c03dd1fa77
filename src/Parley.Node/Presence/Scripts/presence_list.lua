-- Lists the users of a room with at least one live connection.
-- KEYS[1]  the room: ZSET of present users, each scored by the expiry of their latest connection (ms)
-- Returns the user ids, in no particular order (the caller sorts them).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)

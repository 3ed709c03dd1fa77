-- Lists the ids of the nodes whose entry has not expired, dropping the others from the index.
-- KEYS[1]  the index: ZSET of node ids, each scored by when its entry expires (ms)
-- Returns the live node ids, in no particular order.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)

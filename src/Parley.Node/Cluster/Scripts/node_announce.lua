-- Adds or refreshes a node's entry in the registry.
-- KEYS[1]  the node's entry: a string holding its NodeInfo as JSON
-- KEYS[2]  the index: ZSET of node ids, each scored by when its entry expires (ms)
-- ARGV[1]  the node id
-- ARGV[2]  the NodeInfo JSON
-- ARGV[3]  the TTL in milliseconds
-- Returns 1. The entry and its index score expire at the same server time; the index key expires
-- with its latest entry, so a cluster whose nodes all died leaves nothing behind.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = now + tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', expiry)
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return 1

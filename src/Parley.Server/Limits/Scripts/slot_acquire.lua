-- Takes a connection slot if the user's and the tenant's limits allow it, or renews it if held.
-- KEYS[1]  the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]  the user in that tenant: ZSET of connection ids, each scored by its expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- ARGV[3]  the TTL in milliseconds
-- ARGV[4]  the user's limit, -1 for unlimited
-- ARGV[5]  the tenant's limit, -1 for unlimited
-- Returns 0 when acquired (or already held, now renewed), 1 when the user's limit is reached,
-- 2 when the tenant's limit is reached. The user's limit is checked first.
-- Time comes from the server, so the nodes' clocks do not matter. A slot expires at its score
-- (a score at or before now is gone); each key expires with its latest slot.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)

local member = ARGV[1] .. '/' .. ARGV[2]
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  local user_limit = tonumber(ARGV[4])
  if user_limit >= 0 and redis.call('ZCARD', KEYS[2]) + 1 > user_limit then
    return 1
  end

  local tenant_limit = tonumber(ARGV[5])
  if tenant_limit >= 0 and redis.call('ZCARD', KEYS[1]) + 1 > tenant_limit then
    return 2
  end
end

local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expiry, member)
redis.call('ZADD', KEYS[2], expiry, ARGV[2])
for i = 1, 2 do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[i], last[2])
end
return 0

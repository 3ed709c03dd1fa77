-- Takes a connection slot if the user's, the tenant's and the online-user limits allow it, or
-- renews it if held.
-- KEYS[1]  the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]  the user in that tenant: ZSET of connection ids, each scored by its expiry (ms)
-- KEYS[3]  the tenant's online users: ZSET of user ids, each scored by its latest slot's expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- ARGV[3]  the TTL in milliseconds
-- ARGV[4]  the user's limit, -1 for unlimited
-- ARGV[5]  the tenant's limit, -1 for unlimited
-- ARGV[6]  the tenant's limit of distinct online users, -1 for unlimited
-- Returns 0 when acquired (or already held, now renewed), 1 when the user's limit is reached,
-- 2 when the tenant's limit is reached, 3 when the online-user limit is reached; checked in that
-- order. A user already online is never refused by the online-user limit.
-- Time comes from the server, so the nodes' clocks do not matter. A slot expires at its score
-- (a score at or before now is gone); a user goes offline with their latest slot, and each key
-- expires with its latest entry.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 1, 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
end

local member = ARGV[1] .. '/' .. ARGV[2]
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  local user_count = redis.call('ZCARD', KEYS[2])
  local user_limit = tonumber(ARGV[4])
  if user_limit >= 0 and user_count + 1 > user_limit then
    return 1
  end

  local tenant_limit = tonumber(ARGV[5])
  if tenant_limit >= 0 and redis.call('ZCARD', KEYS[1]) + 1 > tenant_limit then
    return 2
  end

  local online_limit = tonumber(ARGV[6])
  if user_count == 0 and online_limit >= 0 and redis.call('ZCARD', KEYS[3]) + 1 > online_limit then
    return 3
  end
end

local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expiry, member)
redis.call('ZADD', KEYS[2], expiry, ARGV[2])
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[3], latest[2], ARGV[1])
for i = 1, 3 do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[i], last[2])
end
return 0

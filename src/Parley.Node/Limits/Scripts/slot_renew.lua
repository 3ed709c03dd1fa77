-- Extends the TTL of slots still held in one tenant, and keeps their users online as long. A slot
-- that is missing (expired, or lost with a Redis restart) is not re-created here: the caller
-- decides whether its connection still lives and takes it again.
-- KEYS[1]     the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]     the tenant's online users: ZSET of user ids, each scored by its latest slot's expiry (ms)
-- KEYS[3..n]  for each slot j (KEYS[2 + j]), its user in that tenant: ZSET of connection ids
--             scored by expiry (ms)
-- ARGV[1]     the TTL in milliseconds
-- ARGV[2..]   for each slot j, the user id at ARGV[2j] and the connection id at ARGV[2j + 1]
-- Returns the indexes j of the slots not found, in order; empty when every slot was renewed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)

local missing = {}
for i = 3, #KEYS do
  local user = ARGV[2 * (i - 2)]
  local connection = ARGV[2 * (i - 2) + 1]
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZSCORE', KEYS[i], connection) then
    redis.call('ZADD', KEYS[i], 'XX', expiry, connection)
    redis.call('ZADD', KEYS[1], 'XX', expiry, user .. '/' .. connection)
    local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    redis.call('ZADD', KEYS[2], last[2], user)
    redis.call('PEXPIREAT', KEYS[i], last[2])
  else
    missing[#missing + 1] = i - 2
  end
end

for i = 1, 2 do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('PEXPIREAT', KEYS[i], last[2])
  end
end
return missing

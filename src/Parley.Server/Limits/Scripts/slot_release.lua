-- Frees a connection slot; releasing one not held changes nothing.
-- KEYS[1]  the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]  the user in that tenant: ZSET of connection ids, each scored by its expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- Returns 1 when a slot was freed, else 0. Each key left with slots now expires with its latest
-- one, so a released long-lived slot does not keep a tenant's keys alive.
redis.call('ZREM', KEYS[1], ARGV[1] .. '/' .. ARGV[2])
local freed = redis.call('ZREM', KEYS[2], ARGV[2])
for i = 1, 2 do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('PEXPIREAT', KEYS[i], last[2])
  end
end
return freed

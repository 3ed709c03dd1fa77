-- Frees a connection slot; releasing one not held changes nothing.
-- KEYS[1]  the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]  the user in that tenant: ZSET of connection ids, each scored by its expiry (ms)
-- KEYS[3]  the tenant's online users: ZSET of user ids, each scored by its latest slot's expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- Returns 1 when a slot was freed, else 0. A user whose last slot this was goes offline at once;
-- otherwise they stay online until their latest remaining slot expires. Each key left with
-- entries now expires with its latest one, so a released long-lived slot does not keep a
-- tenant's keys alive.
redis.call('ZREM', KEYS[1], ARGV[1] .. '/' .. ARGV[2])
local freed = redis.call('ZREM', KEYS[2], ARGV[2])
if freed == 1 then
  local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if #latest > 0 then
    redis.call('ZADD', KEYS[3], latest[2], ARGV[1])
  else
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
end

for i = 1, 3 do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('PEXPIREAT', KEYS[i], last[2])
  end
end
return freed

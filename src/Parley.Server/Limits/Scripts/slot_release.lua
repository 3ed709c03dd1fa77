-- Frees a connection slot; releasing one not held changes nothing.
-- KEYS[1]  the tenant: ZSET of "{user}/{connection id}", each scored by its expiry (ms)
-- KEYS[2]  the user in that tenant: ZSET of connection ids, each scored by its expiry (ms)
-- ARGV[1]  the user id
-- ARGV[2]  the connection id
-- Returns 1 when a slot was freed, else 0.
-- The keys keep their expiry: it is at least that of every slot left, which is all that matters.
redis.call('ZREM', KEYS[1], ARGV[1] .. '/' .. ARGV[2])
return redis.call('ZREM', KEYS[2], ARGV[2])

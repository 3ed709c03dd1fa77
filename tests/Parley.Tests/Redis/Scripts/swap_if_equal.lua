-- Replaces a value only if it still holds the expected one (compare and set).
-- KEYS[1]  the key
-- ARGV[1]  the value expected now
-- ARGV[2]  the value to store
-- Returns 1 when stored, 0 when the key held something else.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0

-- Leases up to N publishes of a tenant's rate to one node (GCRA: the generic cell rate algorithm),
-- taking back first what that node leased before and did not spend.
-- KEYS[1]  the tenant's theoretical arrival time: microseconds of server time, as a string. The
--          tenant has used its rate up to that moment; it may run ahead of now by the burst.
-- ARGV[1]  the rate in publishes per second, above 0
-- ARGV[2]  the burst: publishes an idle tenant may make at once, at least 1
-- ARGV[3]  the publishes asked for, at least 1
-- ARGV[4]  the publishes returned: leased earlier by this node and not spent, 0 or more
-- Returns {granted, wait}: granted is between 0 and ARGV[3], fewer when the rate has fewer left;
-- when 0, wait is the milliseconds until one more publish fits. Over any interval of length t,
-- the publishes granted less those returned are at most burst + rate * t: a return moves the
-- arrival time back by what it gives up, never before now. Time comes from the server, so the
-- nodes' clocks do not matter; the key expires once the tenant is idle again.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = 1000000 / tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2]) * interval

local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = math.max(tonumber(stored), now)
end

local returned = tonumber(ARGV[4])
if returned > 0 then
  tat = math.max(now, tat - returned * interval)
end

-- The small epsilon keeps a whole burst from rounding down to one publish fewer.
local available = math.floor((now + tolerance - tat) / interval + 1e-9)
local granted = math.max(0, math.min(tonumber(ARGV[3]), available))
tat = tat + granted * interval

local wait = 0
if granted == 0 then
  wait = math.max(1, math.ceil((tat + interval - tolerance - now) / 1000))
end

if tat > now then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.max(1, math.ceil((tat - now) / 1000)))
else
  redis.call('DEL', KEYS[1])
end
return {granted, wait}

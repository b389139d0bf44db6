-- Store a board's snapshot unless a newer one is stored, and trim the log
-- to the records behind it that reconnecting clients may still need.
--
-- KEYS[1] snapshot hash, KEYS[2] log stream
-- ARGV[1] seq, ARGV[2] data, ARGV[3] records to keep behind the snapshot
local stored = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq <= stored then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'data', ARGV[2])
local keepFrom = seq - tonumber(ARGV[3]) + 1
if keepFrom > 1 then
  redis.call('XTRIM', KEYS[2], 'MINID', keepFrom .. '-1')
end
return 1

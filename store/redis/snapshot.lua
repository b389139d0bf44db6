-- Store a board's snapshot unless a newer one is stored, or the log is
-- not of the snapshot's epoch (a replica of an old history must not
-- overwrite a restored board), and trim the log to the records behind it
-- that reconnecting clients may still need.
--
-- KEYS[1] snapshot hash, KEYS[2] log stream, KEYS[3] epoch, KEYS[4] restoring
-- ARGV[1] seq, ARGV[2] data, ARGV[3] records to keep behind the snapshot,
-- ARGV[4] the snapshot's epoch ('' for any)
if redis.call('EXISTS', KEYS[4]) == 1 then
  return 0
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[4] then
  return 0
end
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

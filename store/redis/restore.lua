-- Put back a board that Redis lost, from a replica's snapshot, under a new
-- epoch, unless Redis already holds the board at that seq or later.
--
-- KEYS[1] seq counter, KEYS[2] log stream, KEYS[3] snapshot hash, KEYS[4] epoch
-- ARGV[1] seq, ARGV[2] data, ARGV[3] the new epoch
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held >= tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], 'seq', ARGV[1], 'data', ARGV[2])
redis.call('SET', KEYS[4], ARGV[3])
return 1

-- Offer a replica's copy of a board whose log Redis lost (or that lost
-- records the replica holds). The first offer installs the copy under a
-- new epoch and opens a window (the restoring key, which expires) during
-- which appends, reads and snapshots wait; a more advanced offer within
-- the window replaces the copy. So the copy kept is the most advanced one
-- any replica holds that noticed in time, wherever the offers came from
-- first, and no seq is given before it is chosen. Each install tells the
-- board's subscribers, so every replica that holds the board offers too.
--
-- The copy's ops' keys are kept with it, so an op the copy holds is not
-- appended again when its sender resends it.
--
-- KEYS[1] seq counter, KEYS[2] log stream, KEYS[3] snapshot hash,
-- KEYS[4] epoch, KEYS[5] restoring, KEYS[6] today's ops' keys (ops.go)
-- ARGV[1] seq of the copy, ARGV[2] its data, ARGV[3] its epoch, ARGV[4] a
-- new epoch, ARGV[5] the window in milliseconds, ARGV[6] the channel,
-- ARGV[7] PUBLISH or SPUBLISH, ARGV[8] how long today's ops' keys live,
-- in seconds, ARGV[9...] the copy's ops' keys, each followed by its seq
--
-- Returns 1 while the window is open, 0 once the log is live again.
local offered = tonumber(ARGV[1])
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if redis.call('EXISTS', KEYS[5]) == 1 then
  if offered <= held then
    return 1
  end
else
  local epoch = redis.call('GET', KEYS[4])
  -- A live log of another epoch was restored without this copy, and has
  -- gone on since: taking the copy now would give its seqs twice.
  if epoch and (epoch ~= ARGV[3] or offered <= held) then
    return 0
  end
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], 'seq', ARGV[1], 'data', ARGV[2])
redis.call('SET', KEYS[4], ARGV[4])
redis.call('SET', KEYS[5], '1', 'PX', ARGV[5])
if #ARGV > 8 then
  redis.call('HSET', KEYS[6], unpack(ARGV, 9))
  redis.call('EXPIRE', KEYS[6], ARGV[8])
end
redis.call(ARGV[7], ARGV[6], 'x|' .. ARGV[4])
return 1

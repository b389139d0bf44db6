-- Start a new board's log with its first record, unless the board has one
-- already (or one is being restored): a board drawn with the id of another
-- never writes into its log.
--
-- KEYS[1] seq counter, KEYS[2] log stream, KEYS[3] epoch, KEYS[4] restoring
-- ARGV[1] the record, ARGV[2] the epoch the log starts with, ARGV[3] the
-- channel, ARGV[4] PUBLISH or SPUBLISH, ARGV[5] the creating instance,
-- whose own subscribers are not told
--
-- Returns 1, or an error starting EXISTS.
if redis.call('EXISTS', KEYS[1], KEYS[3], KEYS[4]) > 0 then
  return redis.error_reply('EXISTS the board has a log')
end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[1], 1)
redis.call('XADD', KEYS[2], '1-1', 'd', ARGV[1])
redis.call(ARGV[4], ARGV[3], 'r|' .. ARGV[5] .. '|' .. ARGV[2] .. '|1|' .. ARGV[1])
return 1

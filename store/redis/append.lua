-- Append one record to a board's log and publish it, atomically: no two
-- instances can take the same seq, nothing is published that was not
-- stored, and no op is appended twice.
--
-- KEYS[1] seq counter, KEYS[2] log stream, KEYS[3] epoch, KEYS[4] restoring,
-- KEYS[5..7] the ops' keys of yesterday, today and tomorrow (ops.go)
-- ARGV[1] the record, ARGV[2] the epoch the caller holds ('' for any),
-- ARGV[3] an epoch to start a new board's log with, ARGV[4] the channel,
-- ARGV[5] PUBLISH or SPUBLISH, ARGV[6] the op's key ('' for none),
-- ARGV[7] how long today's ops' keys live, in seconds, ARGV[8] the
-- appending instance, whose own subscribers are not told
--
-- Returns {seq, 0}, or {seq, 1} when an op under the same key was appended
-- before (seq is its), or an error starting RESTORING while a lost log is
-- being given back (restore.lua), or RESET when the board's log is not the
-- one the caller holds: Redis lost it, or it was restored since.
if redis.call('EXISTS', KEYS[4]) == 1 then
  return redis.error_reply('RESTORING the board log is being restored')
end
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  if ARGV[2] ~= '' or redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.error_reply('RESET the board log was lost')
  end
  epoch = ARGV[3]
  redis.call('SET', KEYS[3], epoch)
elseif ARGV[2] ~= '' and ARGV[2] ~= epoch then
  return redis.error_reply('RESET the board log was restored')
end
if ARGV[6] ~= '' then
  for i = 5, 7 do
    local seen = redis.call('HGET', KEYS[i], ARGV[6])
    if seen then
      return {tonumber(seen), 1}
    end
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-1', 'd', ARGV[1])
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[6], seq)
  redis.call('EXPIRE', KEYS[6], ARGV[7])
end
redis.call(ARGV[5], ARGV[4], 'r|' .. ARGV[8] .. '|' .. epoch .. '|' .. seq .. '|' .. ARGV[1])
return {seq, 0}

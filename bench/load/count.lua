-- wrk has no request count: each thread stops itself after its share of responses (args[1]) and appends a line to
-- the file args[2]; the caller interrupts wrk once every thread has (its main thread otherwise sleeps for all of -d).
local limit, marker = 0, nil
local seen = 0
init = function(args) limit, marker = tonumber(args[1]), args[2] end
response = function(status, headers, body)
  seen = seen + 1
  if seen == limit then
    wrk.thread:stop()
    local file = io.open(marker, "a"); file:write("done\n"); file:close()
  end
end

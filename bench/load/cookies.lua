-- wrk script of bench/load/run.sh: GET / with a Cookie header taken from the file named by $COOKIES (one
-- "name=value" a line), or with no cookie when $COOKIES is unset or empty.
-- Each wrk thread rotates over its own share of the cookies (thread t of $THREADS takes cookies t, t+n, t+2n, ...),
-- so with many cookies ("steady") no two requests of one session are in flight together, as with real visitors;
-- a file of one cookie ("hot") gives every thread the same session on purpose.
local threads = 0
setup = function(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local cookies = nil
local i = 0
request = function()
  if cookies == nil then
    cookies = {}
    local file = os.getenv("COOKIES")
    local all = {}
    if file and file ~= "" then
      for line in io.lines(file) do
        if line ~= "" then all[#all + 1] = line end
      end
    end
    local n = tonumber(os.getenv("THREADS") or "2")
    for k = 1, #all do
      if #all == 1 or (k - 1) % n == index then cookies[#cookies + 1] = all[k] end
    end
  end
  i = i + 1
  if #cookies == 0 then return wrk.format("GET", "/") end
  return wrk.format("GET", "/", { ["Cookie"] = cookies[(i % #cookies) + 1] })
end

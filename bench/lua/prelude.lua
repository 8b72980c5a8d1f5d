-- Shared by every wrk script (bench/load.py prepends it): headers from the environment, a wall clock,
-- and done() printing one "BENCH {json}" line that bench/load.py parses.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local bench_tv = ffi.new("bench_timeval")
function bench_now()
  ffi.C.gettimeofday(bench_tv, nil)
  return tonumber(bench_tv.tv_sec) + tonumber(bench_tv.tv_usec) / 1e6
end

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/"
wrk.body = os.getenv("BENCH_BODY")
for _, name in ipairs({"Content-Type", "X-Amz-Target", "Authorization", "X-Amz-Date"}) do
  local value = os.getenv("BENCH_H_" .. name:upper():gsub("-", "_"))
  if value then wrk.headers[name] = value end
end

-- Per-thread counters, read back in done(); scripts add to them.
ok, first, last, items, stopped = 0, 0, 0, 0, 0
local bench_threads = {}
function setup(thread) table.insert(bench_threads, thread) end

-- Tell bench/load.py this thread has finished its bounded work (a marker file: wrk's stdout is
-- block-buffered on a pipe); it then ends wrk early with SIGINT.
function bench_finish()
  if stopped == 0 then
    stopped = 1
    local marker = io.open(os.getenv("BENCH_DONE_FILE"), "w")
    if marker then marker:close() end
  end
  wrk.thread:stop()
end

function done(summary, latency, requests)
  local sums = {ok = 0, items = 0, first = 0, last = 0}
  for _, t in ipairs(bench_threads) do
    sums.ok = sums.ok + (t:get("ok") or 0)
    sums.items = sums.items + (t:get("items") or 0)
    local f, l = t:get("first") or 0, t:get("last") or 0
    if f > 0 and (sums.first == 0 or f < sums.first) then sums.first = f end
    if l > sums.last then sums.last = l end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p99_us": %d, "ok": %d, "items": %d, "first": %.6f, "last": %.6f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), sums.ok, sums.items, sums.first, sums.last))
end

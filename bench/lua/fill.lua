-- A fixed SendMessageBatch repeated until BENCH_TARGET messages were accepted (then bench/load.py stops wrk).
local target = tonumber(os.getenv("BENCH_TARGET"))
local per_request = tonumber(os.getenv("BENCH_PER_REQUEST") or "10")

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    items = items + per_request
    last = bench_now()
    if items >= target then bench_finish() end
  end
end

-- Receive up to 10 messages, delete them with one DeleteMessageBatch, until the queue is empty.
-- A receive answered with nothing while no delete is pending or in flight, seen once per connection,
-- ends the run; the rate is messages deleted over first request .. last delete answered.
local queue_url = os.getenv("BENCH_QUEUE_URL")
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "1")
local h = {["Content-Type"] = wrk.headers["Content-Type"], ["Authorization"] = wrk.headers["Authorization"],
           ["X-Amz-Date"] = wrk.headers["X-Amz-Date"]}
local receive_headers, delete_headers = {}, {}
for k, v in pairs(h) do receive_headers[k] = v; delete_headers[k] = v end
receive_headers["X-Amz-Target"] = "AmazonSQS.ReceiveMessage"
delete_headers["X-Amz-Target"] = "AmazonSQS.DeleteMessageBatch"
local receive

function init(args)  -- after wrk.init has set the Host header
  receive = wrk.format("POST", "/", receive_headers,
    '{"QueueUrl":"' .. queue_url .. '","MaxNumberOfMessages":10,"WaitTimeSeconds":0,"VisibilityTimeout":60}')
end

local pending = {}     -- batches of receipt handles waiting for their DeleteMessageBatch
local deleting = 0     -- DeleteMessageBatch requests in flight
local empty_seen = 0   -- empty receives since the last non-empty one

function request()
  if first == 0 then first = bench_now() end
  local handles = table.remove(pending)
  if handles then
    deleting = deleting + 1
    local entries = {}
    for i, handle in ipairs(handles) do
      entries[i] = '{"Id":"m' .. i .. '","ReceiptHandle":"' .. handle .. '"}'
    end
    return wrk.format("POST", "/", delete_headers,
      '{"QueueUrl":"' .. queue_url .. '","Entries":[' .. table.concat(entries, ",") .. ']}')
  end
  return receive
end

function response(status, headers, body)
  if status ~= 200 then return end
  ok = ok + 1
  local successful = body:match('"Successful"%s*:%s*(%b[])')
  if successful then
    deleting = deleting - 1
    local _, count = successful:gsub('"Id"%s*:', "")
    items = items + count
    last = bench_now()
  else
    local handles = {}
    for handle in body:gmatch('"ReceiptHandle"%s*:%s*"(.-)"') do handles[#handles + 1] = handle end
    if #handles > 0 then
      empty_seen = 0
      pending[#pending + 1] = handles
    else
      empty_seen = empty_seen + 1
    end
  end
  if empty_seen >= connections and #pending == 0 and deleting == 0 then bench_finish() end
end

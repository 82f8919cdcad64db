-- wrk script for bench/items.py: a mix of reads and writes on the items
-- service.
--
--   wrk -s bench/items-mix.lua URL -- IDS CURSORS WRITE_PCT LIST_PCT
--
-- IDS: a file with the ids of the items already stored, one a line.
-- CURSORS: a file with the cursors of the pages of GET /items?limit=20, one
-- a line, "-" for the first page (no cursor). Of every 100 requests, about
-- WRITE_PCT are POST /items, LIST_PCT are GET /items?limit=20 pages, and the
-- rest GET /items/{id} of a stored item, each chosen at random.
--
-- Every POST names a new item "bench-<thread>-<n>": the thread number
-- (given to each wrk thread by setup() below) and a counter of that thread,
-- so no two requests of a run ever share a name and none gets 409 for it.
-- done() prints one line bench/items.py reads: how many requests of each
-- kind were issued and wrk's error counts.

local threads = {}

-- Runs in wrk's main Lua state, once per thread, before the threads start.
function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   assert(#lines > 0, path .. " is empty")
   return lines
end

-- Runs in each thread's own Lua state; the GET requests are formatted
-- once here, so the per-request work on the client is small.
function init(args)
   assert(#args == 4, "usage: -- IDS CURSORS WRITE_PCT LIST_PCT")
   gets = {}
   for _, id in ipairs(read_lines(args[1])) do
      table.insert(gets, wrk.format("GET", "/items/" .. id))
   end
   lists = {}
   for _, c in ipairs(read_lines(args[2])) do
      local path = "/items?limit=20"
      if c ~= "-" then
         path = path .. "&cursor=" .. c
      end
      table.insert(lists, wrk.format("GET", path))
   end
   write_pct = tonumber(args[3])
   list_pct = tonumber(args[4])
   post_headers = { ["Content-Type"] = "application/json" }
   issued_gets, issued_lists, issued_posts = 0, 0, 0
   math.randomseed(tid * 1000003 + os.time())
end

function request()
   local r = math.random(100)
   if r <= write_pct then
      issued_posts = issued_posts + 1
      local body = string.format(
         '{"name":"bench-%d-%d","price":%d.25,"quantity":%d,"tags":["bench","new"]}',
         tid, issued_posts, issued_posts % 1000, issued_posts % 50)
      return wrk.format("POST", "/items", post_headers, body)
   elseif r <= write_pct + list_pct then
      issued_lists = issued_lists + 1
      return lists[math.random(#lists)]
   end
   issued_gets = issued_gets + 1
   return gets[math.random(#gets)]
end

-- Runs in the main state after the run: the counts of every thread.
function done(summary, latency, requests)
   local g, l, p = 0, 0, 0
   for _, t in ipairs(threads) do
      g = g + t:get("issued_gets")
      l = l + t:get("issued_lists")
      p = p + t:get("issued_posts")
   end
   local e = summary.errors
   io.write(string.format(
      "items-mix: gets=%d lists=%d posts=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
      g, l, p, e.status, e.connect, e.read, e.write, e.timeout))
end

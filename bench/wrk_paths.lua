-- wrk script: every request asks for a path picked at random from the file named by
-- the WRK_PATHS environment variable (one URL path, already encoded, per line).
-- Each wrk thread has its own Lua state, so each loads the list and seeds its own generator.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

local paths = {}

function init(args)
  local file = assert(io.open(os.getenv("WRK_PATHS"), "r"))
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. os.getenv("WRK_PATHS"))
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

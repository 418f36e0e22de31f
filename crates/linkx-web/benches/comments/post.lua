-- wrk script: posts comments with the form token and session of one reader, each with a
-- distinct author and text (so the duplicate rule does not refuse them).
-- Environment: LX_PATH (/a/{id}/comments), LX_TOKEN, LX_SESSION.
local path = os.getenv("LX_PATH")
local token = os.getenv("LX_TOKEN")
local session = os.getenv("LX_SESSION")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0

function request()
  counter = counter + 1
  local who = tid .. "-" .. counter
  local body = "author=Reader+" .. who .. "&email=reader" .. who .. "%40example.org"
    .. "&comment=Comment+" .. who .. "+on+the+bridge+story.&comment_parent=0&_token=" .. token
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "lx_session=" .. session,
  }, body)
end

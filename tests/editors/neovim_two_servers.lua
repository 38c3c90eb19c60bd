-- Drive a real Neovim (0.11+) on a Python file served by two language servers at once, the
-- user's own Python server and matdiff, after the user's init.lua has enabled both:
--
--   nvim --headless -u INIT -l tests/editors/neovim_two_servers.lua FILE.py REQUESTS
--
-- REQUESTS is a JSON list of {method, line, col} (0-based line, byte column).  Waits for both
-- clients and for matdiff's diagnostics, sends each request to every attached client, hovers
-- the position of the first request with `vim.lsp.buf.hover()` as `K` does (Neovim merges
-- the answers in one float), and prints one JSON object: the clients, the buffer's
-- diagnostics, each request's answer by client name, and the hover float's lines.  Every wait
-- is bounded; any failure is written to stderr and exits 1.

local TIMEOUT = 8000 -- ms, for each wait
local REQUEST_TIMEOUT = 20000 -- ms: the first answer of a Python server may load a library

local function fail(msg)
  io.stderr:write("neovim_two_servers.lua: " .. msg .. "\n")
  os.exit(1)
end

local function wait_for(what, cond, ms)
  if not vim.wait(ms or TIMEOUT, cond, 20) then
    fail("timed out waiting for " .. what)
  end
end

local function floats()
  local out = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      table.insert(out, win)
    end
  end
  return out
end

local function main()
  local path, requests = _G.arg[1], vim.json.decode(_G.arg[2])
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local result = { filetype = vim.bo[bufnr].filetype, clients = {} }
  wait_for("two initialized clients on the buffer", function()
    local clients = vim.lsp.get_clients({ bufnr = bufnr })
    for _, c in ipairs(clients) do
      if not c.initialized then
        return false
      end
    end
    return #clients == 2
  end)
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    table.insert(result.clients, c.name)
  end
  table.sort(result.clients)
  wait_for("matdiff's diagnostics", function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == "matdiff" then
        return true
      end
    end
    return false
  end)

  local uri = vim.uri_from_bufnr(bufnr)
  result.responses = {}
  for _, req in ipairs(requests) do
    local params = { textDocument = { uri = uri }, position = { line = req.line, character = req.col } }
    local got = vim.lsp.buf_request_sync(bufnr, req.method, params, REQUEST_TIMEOUT)
    if got == nil then
      fail("no answer to " .. req.method .. " within " .. REQUEST_TIMEOUT .. " ms")
    end
    local by_name = {}
    for id, r in pairs(got) do
      local name = vim.lsp.get_client_by_id(id).name
      by_name[name] = {
        result = r.result == nil and vim.NIL or r.result,
        error = r.err and r.err.message or vim.NIL,
      }
    end
    table.insert(result.responses, by_name)
  end

  -- The user's view: `K` on the first request's position shows both answers in one float.
  vim.api.nvim_win_set_cursor(0, { requests[1].line + 1, requests[1].col })
  vim.lsp.buf.hover()
  wait_for("the hover float", function()
    return #floats() > 0
  end, REQUEST_TIMEOUT)
  local win = floats()[1]
  result.float = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)

  -- Everything the buffer shows, from both servers (read after the requests, so that a
  -- server's late publication is in).
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, message = d.message, source = d.source or vim.NIL })
  end

  io.stdout:write(vim.json.encode(result) .. "\n")
  io.stdout:flush()
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop()
  end
  wait_for("the servers to stop", function()
    for _, c in ipairs(vim.lsp.get_clients()) do
      if not c:is_stopped() then
        return false
      end
    end
    return true
  end)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(tostring(err))
end
os.exit(0)

-- Drive a real Neovim (0.11+) on a Python file with a matdiff block, after the user's
-- init.lua (the README's, which attaches matdiff to python buffers too):
--
--   nvim --headless -u INIT -l tests/editors/neovim_python.lua model.py LINE COL TITLE
--
-- Waits for the diagnostics of the block, applies the code action TITLE at (LINE, COL)
-- (1-based line, 0-based byte column) and prints one JSON object: the diagnostics and the
-- buffer after the edit.  Every wait is bounded; failures exit 1.

local TIMEOUT = 8000

local function fail(msg)
  io.stderr:write("neovim_python.lua: " .. msg .. "\n")
  os.exit(1)
end

local function wait_for(what, cond)
  if not vim.wait(TIMEOUT, cond, 20) then
    fail("timed out waiting for " .. what)
  end
end

local function main()
  local path, line, col, title = _G.arg[1], tonumber(_G.arg[2]), tonumber(_G.arg[3]), _G.arg[4]
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local result = { filetype = vim.bo[bufnr].filetype }
  local client
  wait_for("the matdiff client on a python buffer", function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = "matdiff" })[1]
    return client ~= nil and client.initialized == true
  end)
  wait_for("diagnostics", function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, message = d.message })
  end
  vim.api.nvim_win_set_cursor(0, { line, col })
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title == title
    end,
    apply = true,
  })
  wait_for("the code action '" .. title .. "'", function()
    return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick
  end)
  result.buffer = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  io.stdout:write(vim.json.encode(result) .. "\n")
  io.stdout:flush()
  client:stop()
  wait_for("the server to stop", function()
    return client:is_stopped()
  end)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(tostring(err))
end
os.exit(0)

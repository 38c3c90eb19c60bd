-- Drive a real Neovim (0.11+) as a matdiff user would, after the user's init.lua has run:
--
--   nvim --headless -u INIT -l tests/editors/neovim.lua FILE.matdiff
--
-- Opens FILE, waits for the language server's diagnostics, hovers the name of the
-- definition `loss` (line 2) with `vim.lsp.buf.hover()` as `K` does, applies the code
-- action "Insert gradient of loss by W" with `vim.lsp.buf.code_action()`, waits for the
-- diagnostics of the edited buffer, and prints one JSON object on stdout.  Every wait is
-- bounded; any failure is written to stderr and exits 1 (never a hang: `-l`, not `luafile`).

local TIMEOUT = 8000 -- ms, for each wait

local function fail(msg)
  io.stderr:write("neovim.lua: " .. msg .. "\n")
  for _, c in ipairs(vim.lsp.get_clients()) do
    io.stderr:write("client " .. c.name .. " stopped=" .. tostring(c:is_stopped()) .. "\n")
  end
  local log = vim.lsp.get_log_path()
  if vim.fn.filereadable(log) == 1 then
    io.stderr:write("--- lsp.log (tail) ---\n")
    local lines = vim.fn.readfile(log)
    for i = math.max(1, #lines - 40), #lines do
      io.stderr:write(lines[i] .. "\n")
    end
  end
  os.exit(1)
end

local function wait_for(what, cond)
  if not vim.wait(TIMEOUT, cond, 20) then
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

local function diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, {
      lnum = d.lnum, -- 0-based line
      col = d.col, -- 0-based byte column (Neovim converts from the negotiated encoding)
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = vim.diagnostic.severity[d.severity],
      message = d.message,
      source = d.source,
      code = d.code,
    })
  end
  return out
end

local function main()
  local path = assert(_G.arg[1], "usage: nvim --headless -u INIT -l neovim.lua FILE")
  local changes = 0
  vim.api.nvim_create_autocmd("DiagnosticChanged", {
    callback = function()
      changes = changes + 1
    end,
  })

  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local result = { filetype = vim.bo[bufnr].filetype }
  if result.filetype ~= "matdiff" then
    fail("filetype is '" .. result.filetype .. "', not 'matdiff': is vim.filetype.add in init?")
  end

  local client
  wait_for("the matdiff client to attach and initialize", function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = "matdiff" })[1]
    return client ~= nil and client.initialized == true
  end)
  result.server = client.server_info
  result.offset_encoding = client.offset_encoding
  result.cmd = client.config.cmd

  wait_for("diagnostics", function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  result.diagnostics = diagnostics(bufnr)

  -- Hover on the name of the definition on line 2, as `K` would.
  vim.api.nvim_win_set_cursor(0, { 2, 1 })
  vim.lsp.buf.hover()
  wait_for("the hover float", function()
    return #floats() > 0
  end)
  local float = floats()[1]
  result.hover = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false)
  vim.api.nvim_win_close(float, true)

  -- The code action, as `gra` would, picked by title without a prompt.
  local title = "Insert gradient of loss by W"
  local titles = {}
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local before = changes
  vim.lsp.buf.code_action({
    filter = function(action)
      table.insert(titles, action.title)
      return action.title == title
    end,
    apply = true,
  })
  wait_for("the code action '" .. title .. "' to edit the buffer", function()
    return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick
  end)
  result.actions = titles
  result.buffer = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

  -- The server re-checks the edited buffer and publishes again.
  wait_for("diagnostics after the edit", function()
    return changes > before
  end)
  result.diagnostics_after = diagnostics(bufnr)

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

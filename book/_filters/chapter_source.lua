-- Module (not a filter): the chapter file a filter is running on, under real Quarto
-- (quarto.doc.input_file), under the embedded renderer (which feeds pandoc on stdin and passes the file
-- as `source-file` metadata), or under plain pandoc. Loaded with dofile by quiz.lua, glossary.lua,
-- lablinks.lua and volume_toc.lua; returns a table.

local M = {}

function M.path(meta)
  if quarto and quarto.doc and quarto.doc.input_file then return quarto.doc.input_file end
  if meta["source-file"] then return pandoc.utils.stringify(meta["source-file"]) end
  local input = PANDOC_STATE.input_files[1]
  if input and input ~= "-" then return input end
  return nil
end

return M

-- Module (not a filter): the chapter file a filter is running on, under real Quarto
-- (quarto.doc.input_file), under the embedded renderer (which feeds pandoc on stdin and passes the file
-- as `source-file` metadata), or under plain pandoc; and reading other pages of the book. Loaded with
-- dofile by quiz.lua, glossary.lua, lablinks.lua and volume_toc.lua; returns a table.

local M = {}

function M.path(meta)
  if quarto and quarto.doc and quarto.doc.input_file then return quarto.doc.input_file end
  if meta["source-file"] then return pandoc.utils.stringify(meta["source-file"]) end
  local input = PANDOC_STATE.input_files[1]
  if input and input ~= "-" then return input end
  return nil
end

-- The text of a file, or nil when it cannot be read.
function M.read(path)
  local handle = io.open(path, "r")
  if not handle then return nil end
  local text = handle:read("a")
  handle:close()
  return text
end

-- Another page of the book as a pandoc document. Executable cells are not evaluated here, so they are
-- dropped (an inline `{python} x` stays as its code).
function M.parse(path)
  local text = M.read(path)
  if text == nil then return nil end
  return pandoc.read((text:gsub("```+%s*{python}.-\n```+", "")), "markdown")
end

-- A filter that fills every `::: {.<class>}` div of a page with fill(volume folder), the folder of
-- the page being rendered (the glossary and the volume table of contents list the whole volume).
function M.volume_div_filter(filter_name, class, fill)
  local source
  return {
    { Meta = function(meta) source = M.path(meta) end },
    { Div = function(div)
        if not div.classes:includes(class) then return nil end
        if source == nil then
          error(filter_name .. ": cannot tell which volume this page belongs to (no input file); "
            .. "render it with quarto or pass -M source-file=<path of the page>")
        end
        div.content = fill(pandoc.path.directory(source))
        return div
      end },
  }
end

return M

-- Glossary: fills a `::: {.glossary}` div with every `.definition` callout of the volume's
-- chapters (<volume>/<slug>/<slug>.qmd), sorted by term, each linking back to its chapter.
-- The volume folder is the folder of the page being rendered (Quarto: quarto.doc.input_file;
-- embedded renderer: the `source-file` metadata it passes).

local here = pandoc.path.directory(PANDOC_SCRIPT_FILE)
local terms = dofile(pandoc.path.join({ here, "terms.lua" }))
local chapter_source = dofile(pandoc.path.join({ here, "chapter_source.lua" }))
local source_file

local function read_file(path)
  local fh = io.open(path, "r")
  if not fh then return nil end
  local text = fh:read("a")
  fh:close()
  return text
end

local function chapter_files(volume_dir)
  local found = {}
  for _, name in ipairs(pandoc.system.list_directory(volume_dir)) do
    local candidate = pandoc.path.join({ volume_dir, name, name .. ".qmd" })
    if not name:match("^[_.]") and read_file(candidate) then
      table.insert(found, { slug = name, path = candidate })
    end
  end
  table.sort(found, function(a, b) return a.slug < b.slug end)
  return found
end

-- Executable cells are not evaluated here; an inline `{python} x` inside a definition shows its code.
local function strip_cells(text)
  return (text:gsub("```+%s*{python}.-\n```+", ""))
end

local function collect(volume_dir)
  local entries = {}
  for _, chapter in ipairs(chapter_files(volume_dir)) do
    local doc = pandoc.read(strip_cells(read_file(chapter.path)), "markdown")
    local chapter_title = chapter.slug
    local name = terms.namer()
    doc:walk({
      Header = function(h)
        if h.level == 1 and chapter_title == chapter.slug then chapter_title = pandoc.utils.stringify(h.content) end
      end,
    })
    if doc.meta.title then chapter_title = pandoc.utils.stringify(doc.meta.title) end
    doc:walk({
      Div = function(div)
        if div.classes:includes("definition") and div.attributes["title"] then
          local term = div.attributes["title"]
          local id = name(term)
          table.insert(entries, {
            term = term, id = id, blocks = div.content,
            href = chapter.slug .. "/" .. chapter.slug .. ".html#" .. id,
            chapter = chapter_title,
          })
        end
      end,
    })
  end
  table.sort(entries, function(a, b)
    local la, lb = pandoc.text.lower(a.term), pandoc.text.lower(b.term)
    if la == lb then return a.href < b.href end
    return la < lb
  end)
  return entries
end

local function Div(div)
  if not div.classes:includes("glossary") then return nil end
  if source_file == nil then
    error("glossary.lua: cannot tell which volume this page belongs to (no input file); "
      .. "render it with quarto or pass -M source-file=<path of glossary.qmd>")
  end
  local entries = collect(pandoc.path.directory(source_file))
  local items = {}
  for _, e in ipairs(entries) do
    local first = e.blocks[1]
    local body = first and (first.t == "Para" or first.t == "Plain") and first.content or pandoc.Inlines({})
    table.insert(items, pandoc.Div({
      pandoc.Para({ pandoc.Strong(pandoc.Str(e.term)) }),
      pandoc.Para(body),
      pandoc.Para({ pandoc.Str("Defined in "), pandoc.Link(pandoc.Str(e.chapter), e.href) }),
    }, pandoc.Attr("", { "glossary-entry" })))
  end
  if #items == 0 then
    table.insert(items, pandoc.Para({ pandoc.Emph(pandoc.Str("No definitions in this volume yet.")) }))
  end
  div.content = items
  return div
end

local function Meta(meta)
  source_file = chapter_source.path(meta)
end

return { { Meta = Meta }, { Div = Div } }

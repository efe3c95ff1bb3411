-- Glossary: fills a `::: {.glossary}` div with every `.definition` callout of the volume's
-- chapters (<volume>/<slug>/<slug>.qmd), sorted by term, each linking back to its chapter.
-- The volume folder is the folder of the page being rendered (Quarto: quarto.doc.input_file;
-- embedded renderer: the `source-file` metadata it passes).

local here = pandoc.path.directory(PANDOC_SCRIPT_FILE)
local terms = dofile(pandoc.path.join({ here, "terms.lua" }))
local chapter_source = dofile(pandoc.path.join({ here, "chapter_source.lua" }))

local function chapter_files(volume_dir)
  local found = {}
  for _, name in ipairs(pandoc.system.list_directory(volume_dir)) do
    local candidate = pandoc.path.join({ volume_dir, name, name .. ".qmd" })
    if not name:match("^[_.]") and chapter_source.read(candidate) then
      table.insert(found, { slug = name, path = candidate })
    end
  end
  table.sort(found, function(a, b) return a.slug < b.slug end)
  return found
end

local function collect(volume_dir)
  local entries = {}
  for _, chapter in ipairs(chapter_files(volume_dir)) do
    local doc = chapter_source.parse(chapter.path)
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

local function glossary(volume_dir)
  local items = {}
  for _, e in ipairs(collect(volume_dir)) do
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
  return items
end

return chapter_source.volume_div_filter("glossary.lua", "glossary", glossary)

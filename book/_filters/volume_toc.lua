-- Volume table of contents: fills the `::: {.volume-toc}` div of a volume's index.qmd with the
-- volume's parts, chapters and appendices, numbered as the book numbers them and titled by each
-- chapter's `# Title` heading. The list comes from the volume's _quarto.yml (`book: chapters:` and
-- `appendices:`), so real Quarto and the embedded renderer show the same list.

local chapter_source = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "chapter_source.lua" }))

-- The first level-1 heading of a chapter: its title, and whether it is `.unnumbered`.
local function heading_of(path)
  local doc = chapter_source.parse(path)
  if doc == nil then
    error("volume_toc.lua: " .. path .. " is listed in _quarto.yml but does not exist")
  end
  local found
  doc.blocks:walk({
    Header = function(h)
      if found == nil and h.level == 1 then found = h end
    end,
  })
  if found == nil then
    error("volume_toc.lua: " .. path .. " has no `# Title {#sec-...}` heading")
  end
  return pandoc.utils.stringify(found.content), found.classes:includes("unnumbered")
end

local function entry(volume_dir, file, number)
  local title, unnumbered = heading_of(pandoc.path.join({ volume_dir, file }))
  local href = (file:gsub("%.qmd$", ".html"))
  local label = pandoc.Inlines({})
  if not unnumbered then
    label:insert(pandoc.Span({ pandoc.Str(number()) }, pandoc.Attr("", { "chapter-number" })))
    label:insert(pandoc.Space())
  end
  label:insert(pandoc.Span(pandoc.Inlines(title), pandoc.Attr("", { "chapter-title" })))
  return { pandoc.Plain({ pandoc.Link(label, href) }) }
end

local function counter(format)
  local n = 0
  return function()
    n = n + 1
    return format(n)
  end
end

local function toc(volume_dir)
  local text = chapter_source.read(pandoc.path.join({ volume_dir, "_quarto.yml" }))
  if text == nil then error("volume_toc.lua: no _quarto.yml in " .. volume_dir) end
  local book = pandoc.read("---\n" .. text .. "\n---\n", "markdown").meta.book or {}
  local blocks = pandoc.Blocks({})
  local chapter = counter(tostring)
  local loose = {}
  local function flush()
    if #loose > 0 then blocks:insert(pandoc.BulletList(loose)); loose = {} end
  end
  for _, item in ipairs(book.chapters or {}) do
    if pandoc.utils.type(item) == "table" and item.part then
      flush()
      blocks:insert(pandoc.Header(3, pandoc.utils.stringify(item.part), pandoc.Attr("", { "unnumbered", "unlisted" })))
      local items = {}
      for _, file in ipairs(item.chapters or {}) do
        table.insert(items, entry(volume_dir, pandoc.utils.stringify(file), chapter))
      end
      blocks:insert(pandoc.BulletList(items))
    else
      local file = pandoc.utils.stringify(item)
      if file ~= "index.qmd" then table.insert(loose, entry(volume_dir, file, chapter)) end
    end
  end
  flush()
  if book.appendices and #book.appendices > 0 then
    blocks:insert(pandoc.Header(3, "Appendices", pandoc.Attr("", { "unnumbered", "unlisted" })))
    local letter = counter(function(n) return string.char(64 + n) end)
    local items = {}
    for _, file in ipairs(book.appendices) do
      table.insert(items, entry(volume_dir, pandoc.utils.stringify(file), letter))
    end
    blocks:insert(pandoc.BulletList(items))
  end
  return blocks
end

return chapter_source.volume_div_filter("volume_toc.lua", "volume-toc", toc)

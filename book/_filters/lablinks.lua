-- Lab links: a chapter's front matter names its hands-on companions
--   lab: roofline          -> the marimo lab page
--   tinytorch: [3, 17]     -> TinyTorch module pages
--   kit: keyword-spotting  -> the kit lab page
-- and this filter puts an "open the lab" box right after the chapter title. URL patterns come
-- from the `lab-links:` metadata in book/_common.yml: {name}; {nn} = two-digit module number;
-- {page} = the TinyTorch page named `module-<nn>-<topic>` found in tinytorch/site/.

local DEFAULT_PATTERNS = {
  lab = "../../labs/{name}.html",
  tinytorch = "../../tinytorch/{page}.html",
  kit = "../../kits/{name}.html",
}

local chapter_source = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "chapter_source.lua" }))

-- book/<volume>/<slug>/<slug>.qmd -> <repo>/tinytorch/site/module-<nn>-<topic>.qmd
local function tinytorch_page(meta, nn)
  local source = chapter_source.path(meta)
  if source then
    local site = pandoc.path.join({ pandoc.path.directory(source), "..", "..", "..", "tinytorch", "site" })
    local ok, names = pcall(pandoc.system.list_directory, site)
    if ok then
      table.sort(names)
      for _, name in ipairs(names) do
        local stem = name:match("^(module%-" .. nn .. "%-[%w_-]+)%.qmd$")
        if stem then return stem end
      end
    end
  end
  return "module-" .. nn
end

-- The repository root, three folders above book/<volume>/<slug>/<slug>.qmd.
local function repo_root(meta)
  local source = chapter_source.path(meta)
  if not source then return nil end
  return pandoc.path.join({ pandoc.path.directory(source), "..", "..", ".." })
end

-- YAML is parsed by pandoc's own metadata reader, so the filter needs no Lua YAML library.
local function yaml_meta(text)
  if not text then return nil end
  local ok, doc = pcall(pandoc.read, "---\n" .. text:gsub("^%-%-%-%s*\n", ""):gsub("\n%-%-%-%s*\n.*$", "") .. "\n---\n", "markdown")
  return ok and doc.meta or nil
end

-- A learner reads the companion's title ("Module 18: Acceleration"), not its file name; the
-- titles come from labs/labs.yml and from the front matter of the kit and TinyTorch pages.
local function lab_title(meta, name)
  local root = repo_root(meta)
  local labs = root and yaml_meta(chapter_source.read(pandoc.path.join({ root, "labs", "labs.yml" })))
  local entry = labs and labs.labs and labs.labs[name]
  return entry and entry.title and pandoc.utils.stringify(entry.title) or nil
end

local function page_title(meta, folder, stem)
  local root = repo_root(meta)
  local page = root and yaml_meta(chapter_source.read(pandoc.path.join({ root, folder, "site", stem .. ".qmd" })))
  return page and page.title and pandoc.utils.stringify(page.title) or nil
end

local function pattern(meta, key)
  local configured = meta["lab-links"] and meta["lab-links"][key]
  return configured and pandoc.utils.stringify(configured) or DEFAULT_PATTERNS[key]
end

local function fill(template, name, page)
  local nn = tonumber(name) and string.format("%02d", tonumber(name)) or name
  return (template:gsub("{name}", name):gsub("{nn}", nn):gsub("{page}", page or name))
end

local function item(label, title, href)
  return pandoc.Plain({ pandoc.Strong(pandoc.Str(label)), pandoc.Space(), pandoc.Link(pandoc.Str(title), href) })
end

function Pandoc(doc)
  local meta = doc.meta
  local items = {}
  if meta.lab then
    local name = pandoc.utils.stringify(meta.lab)
    table.insert(items, { item("Lab:", lab_title(meta, name) or ("open the " .. name .. " lab"),
      fill(pattern(meta, "lab"), name)) })
  end
  if meta.tinytorch then
    local modules = meta.tinytorch
    if pandoc.utils.type(modules) ~= "List" then modules = { modules } end
    for _, m in ipairs(modules) do
      local number = pandoc.utils.stringify(m)
      local nn = string.format("%02d", tonumber(number) or 0)
      local page = tinytorch_page(meta, nn)
      table.insert(items, { item("TinyTorch:", page_title(meta, "tinytorch", page) or ("build it yourself in module " .. number),
        fill(pattern(meta, "tinytorch"), number, page)) })
    end
  end
  if meta.kit then
    local name = pandoc.utils.stringify(meta.kit)
    table.insert(items, { item("Kit:", page_title(meta, "kits", name) or ("run it on a board: " .. name),
      fill(pattern(meta, "kit"), name)) })
  end
  if #items == 0 then return nil end
  local box = pandoc.Div({ pandoc.BulletList(items) }, pandoc.Attr("", { "lab-links" }, { { "aria-label", "Hands-on" } }))
  local blocks = doc.blocks
  local position = 1
  if #blocks > 0 and blocks[1].t == "Header" and blocks[1].level == 1 then position = 2 end
  blocks:insert(position, box)
  return doc
end

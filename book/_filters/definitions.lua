-- Definitions: `::: {.callout-note .definition title="Term"}` callouts get a stable anchor
-- `def-<term>` so the volume glossary (glossary.lua) and the search index can point at them.
-- Runs under real Quarto and under the embedded renderer alike.

local M = {}

function M.slug(term)
  local s = pandoc.text.lower(term)
  s = s:gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  if s == "" then s = "term" end
  return "def-" .. s
end

local seen = {}

local function Div(div)
  if not div.classes:includes("definition") then return nil end
  local term = div.attributes["title"]
  if term == nil or term == "" then
    error("a .definition callout needs a title= naming the term it defines, e.g. "
      .. '::: {.callout-note .definition title="Arithmetic intensity"}')
  end
  if div.identifier == "" then
    local id = M.slug(term)
    seen[id] = (seen[id] or 0) + 1
    if seen[id] > 1 then id = id .. "-" .. seen[id] end
    div.identifier = id
  end
  return div
end

-- loaded with `require`/dofile by glossary.lua for the slug; run as a filter otherwise
if PANDOC_SCRIPT_FILE and not _DEFINITIONS_AS_LIBRARY then
  return { { Div = Div } }
end
return M

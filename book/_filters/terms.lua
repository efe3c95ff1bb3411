-- Module (not a filter): the anchor a `.definition` callout's term gets, shared by definitions.lua
-- (which places it) and glossary.lua (which links to it). Loaded with dofile; returns a table.
--
-- Anchors are `term-<slug>` on an empty span inside the callout: real Quarto turns callouts into its
-- own nodes before user filters run and reads an id on a callout as a cross-reference whose prefix
-- (`def-` is Quarto's "Definition" theorem type) must match a known kind, so neither the callout nor
-- a `def-` prefix can carry it.

local M = {}

M.PREFIX = "term-"

function M.slug(term)
  local s = pandoc.text.lower(term)
  s = s:gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  if s == "" then s = "term" end
  return M.PREFIX .. s
end

-- A fresh numbering for one chapter: the second "Latency" in a chapter becomes term-latency-2.
function M.namer()
  local seen = {}
  return function(term)
    local id = M.slug(term)
    seen[id] = (seen[id] or 0) + 1
    if seen[id] > 1 then id = id .. "-" .. seen[id] end
    return id
  end
end

return M

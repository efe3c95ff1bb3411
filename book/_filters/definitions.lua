-- Definitions: every `::: {.callout-note .definition title="Term"}` callout gets an anchor
-- `term-<slug>` (an empty span at the start of its text) that the volume glossary (glossary.lua)
-- and the search index point at. Listed in _common.yml with `at: pre-ast`, so it sees the callout
-- as a plain div under real Quarto as under the embedded renderer.

local terms = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "terms.lua" }))

local function anchor_inside(div, id)
  local anchor = pandoc.Span({}, pandoc.Attr(id, { "definition-anchor" }))
  local first = div.content[1]
  if first and (first.t == "Para" or first.t == "Plain") then
    first.content:insert(1, anchor)
  else
    div.content:insert(1, pandoc.Plain({ anchor }))
  end
end

local function Pandoc(doc)
  local name = terms.namer()
  doc.blocks = doc.blocks:walk({
    Div = function(div)
      if not div.classes:includes("definition") then return nil end
      local term = div.attributes["title"]
      if term == nil or term == "" then
        error("a .definition callout needs a title= naming the term it defines, e.g. "
          .. '::: {.callout-note .definition title="Arithmetic intensity"}')
      end
      if div.identifier ~= "" then
        error("definition callout `" .. term .. "` has the id #" .. div.identifier .. "; remove it (Quarto reads "
          .. "an id on a callout as a cross-reference); the glossary anchor is added for you")
      end
      anchor_inside(div, name(term))
      return div
    end,
  })
  return doc
end

return { { Pandoc = Pandoc } }

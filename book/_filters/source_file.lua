-- The chapter file a filter is running on, under real Quarto (quarto.doc.input_file), under the
-- embedded renderer (which passes it as `source-file` metadata because it feeds pandoc on stdin), or
-- under plain pandoc. Loaded with dofile by quiz.lua, glossary.lua and lablinks.lua; not a filter.
return function(meta)
  if quarto and quarto.doc and quarto.doc.input_file then return quarto.doc.input_file end
  if meta["source-file"] then return pandoc.utils.stringify(meta["source-file"]) end
  local input = PANDOC_STATE.input_files[1]
  if input and input ~= "-" then return input end
  return nil
end

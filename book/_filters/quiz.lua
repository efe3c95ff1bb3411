-- Quiz: replaces a `::: {.quiz}` div with an interactive self-check built from the chapter's
-- `<slug>_quiz.yml` (format in ARCHITECTURE.md). Answers are checked in the browser by quiz.js;
-- nothing is sent anywhere. Runs under real Quarto and under the embedded renderer alike.

local chapter_source = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "chapter_source.lua" }))
local source_file

local function html_of(value)
  if value == nil then return "" end
  local t = pandoc.utils.type(value)
  local blocks
  if t == "Inlines" then
    blocks = { pandoc.Plain(value) }
  elseif t == "Blocks" then
    blocks = value
  else
    blocks = { pandoc.Plain({ pandoc.Str(pandoc.utils.stringify(value)) }) }
  end
  return pandoc.write(pandoc.Pandoc(blocks), "html"):gsub("\n$", "")
end

local function attr_escape(s)
  return (s:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"))
end

local function fail(quiz_path, n, message)
  error(quiz_path .. ": question " .. n .. ": " .. message)
end

local function question_html(q, n, quiz_path)
  local kind = pandoc.utils.stringify(q.type or "")
  if q.prompt == nil then fail(quiz_path, n, "missing `prompt:`") end
  local parts = {
    '<div class="quiz-question" data-type="' .. attr_escape(kind) .. '"',
  }
  local body = {}
  if kind == "mcq" then
    local answer = tonumber(pandoc.utils.stringify(q.answer or ""))
    local choices = q.choices or {}
    if answer == nil or answer < 0 or answer >= #choices or answer % 1 ~= 0 then
      fail(quiz_path, n, "`answer:` must be a 0-based index into `choices:`")
    end
    parts[#parts + 1] = ' data-answer="' .. math.floor(answer) .. '">'
    body[#body + 1] = '<div class="quiz-choices" role="group">'
    for i, choice in ipairs(choices) do
      body[#body + 1] = '<button type="button" class="quiz-choice" data-index="' .. (i - 1) .. '">'
        .. html_of(choice) .. "</button>"
    end
    body[#body + 1] = "</div>"
  elseif kind == "calc" then
    local answer = tonumber(pandoc.utils.stringify(q.answer or ""))
    local tolerance = tonumber(pandoc.utils.stringify(q.tolerance or "0.05"))
    if answer == nil then fail(quiz_path, n, "`answer:` of a calc question must be a number") end
    parts[#parts + 1] = ' data-answer="' .. answer .. '" data-tolerance="' .. tolerance .. '">'
    local unit = q.unit and pandoc.utils.stringify(q.unit) or ""
    body[#body + 1] = '<div class="quiz-calc"><input type="number" step="any" class="quiz-input" aria-label="Your answer">'
      .. '<span class="quiz-unit">' .. attr_escape(unit) .. "</span>"
      .. '<button type="button" class="quiz-check">Check</button></div>'
  elseif kind == "short" then
    parts[#parts + 1] = ">"
    body[#body + 1] = '<textarea class="quiz-input" rows="3" aria-label="Your answer" '
      .. 'placeholder="Write your answer, then compare it with the model answer"></textarea>'
      .. '<button type="button" class="quiz-reveal">Show model answer</button>'
      .. '<div class="quiz-answer" hidden>' .. html_of(q.answer) .. "</div>"
  else
    fail(quiz_path, n, "`type:` must be mcq, short or calc, got '" .. kind .. "'")
  end
  local out = table.concat(parts)
    .. '<div class="quiz-prompt"><span class="quiz-number">' .. n .. ".</span> " .. html_of(q.prompt) .. "</div>"
    .. table.concat(body)
    .. '<div class="quiz-feedback" aria-live="polite" hidden></div>'
    .. '<div class="quiz-explanation" hidden>' .. html_of(q.explanation) .. "</div></div>"
  return out
end

local function Div(div)
  if not div.classes:includes("quiz") then return nil end
  if source_file == nil then
    error("quiz.lua: cannot tell which chapter this is (no input file); pass -M source-file=<chapter.qmd>")
  end
  local dir = pandoc.path.directory(source_file)
  local slug = pandoc.path.split_extension(pandoc.path.filename(source_file))
  local quiz_path = pandoc.path.join({ dir, slug .. "_quiz.yml" })
  local text = chapter_source.read(quiz_path)
  if text == nil then
    error(source_file .. ": has a ::: {.quiz} div but " .. quiz_path .. " does not exist; create it or remove the div")
  end
  local data = pandoc.read("---\n" .. text .. "\n---\n", "markdown").meta
  local questions = data.questions
  if questions == nil or #questions == 0 then
    error(quiz_path .. ": expected a `questions:` list with at least one question")
  end
  local html = { '<section class="quiz" aria-label="Self-check quiz"><h2 class="quiz-title unnumbered unlisted">Self-check</h2>' }
  for n, q in ipairs(questions) do html[#html + 1] = question_html(q, n, quiz_path) end
  html[#html + 1] = "</section>"
  if quarto and quarto.doc and quarto.doc.add_html_dependency then
    quarto.doc.add_html_dependency({
      name = "mlsysbook-quiz", version = "1",
      -- Quarto resolves these against this filter's folder: plain file names, never `..` or absolute paths
      scripts = { "quiz.js" },
      stylesheets = { "quiz.css" },
    })
  end
  return pandoc.RawBlock("html", table.concat(html, "\n"))
end

local function Meta(meta)
  source_file = chapter_source.path(meta)
end

return { { Meta = Meta }, { Div = Div } }

"""The companion's "Ask" in real headless Chromium against OpenAI-compatible servers running locally
(`make test-companion-slow`):

- llama.cpp itself (llama-cpp-python's server) serving a tiny random-weight Llama model this test writes
  with `gguf`: the answer streams into the panel and cites the book's sections. Skipped, saying why, where
  llama-cpp-python is not installed (the `llm` extra of the root pyproject.toml; pip compiles llama.cpp
  from source, about 10 minutes on two cores);
- a scripted server on the same HTTP stack (Starlette + uvicorn, server-sent events) for what a real model
  cannot be made to do on cue: answer slowly, fail with HTTP 500, be unreachable, and answer with hostile
  markup (script, event handlers, external images, javascript: links), which must reach the page only as
  sanitized Markdown — nothing runs, nothing loads from outside.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from mlsysbook.site.headless import launch, serve, tab  # noqa: E402
from site_helpers import make_project, run_build  # noqa: E402

HOSTILE = ("Passages [1] answer it.\n\n<script>window.__pwned = 'script'</script>\n"
           "<img src=\"x\" onerror=\"window.__pwned = 'onerror'\">\n"
           "![tracker](http://tracker.invalid/pixel.png)\n\n"
           "[click me](javascript:window.__pwned='link') and <a href=\"http://evil.invalid/\">a site</a>\n\n"
           "<iframe src=\"http://evil.invalid/frame\"></iframe><style>body{display:none}</style>\n\n"
           "**The ridge point** is where the roofline bends.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- a scripted OpenAI-compatible server
class ScriptedServer:
    """POST /<behaviour>/v1/chat/completions with `stream: true`, as OpenAI's API streams chat answers."""

    def __init__(self):
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware
        from starlette.responses import PlainTextResponse, StreamingResponse
        from starlette.routing import Route

        self.requests: list[dict] = []

        async def chat(request):
            behaviour = request.path_params["behaviour"]
            body = await request.json()
            self.requests.append({"behaviour": behaviour, "body": body,
                                  "authorization": request.headers.get("authorization", "")})
            if behaviour == "fail":
                return PlainTextResponse("model crashed: out of memory", status_code=500)
            text = HOSTILE if behaviour == "hostile" else "The ridge point, from [1], is where the roofline bends."
            delay = 0.5 if behaviour == "slow" else 0.0

            async def events():
                for word in text.split(" "):
                    await asyncio.sleep(delay)
                    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": word + " "}}]}
                    yield f"data: {json.dumps(chunk)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        self.app = Starlette(routes=[Route("/{behaviour}/v1/chat/completions", chat, methods=["POST"])],
                             middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"],
                                                    allow_headers=["*"])])

    @contextlib.contextmanager
    def running(self):
        import uvicorn

        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(10)


# ---------------------------------------------------------------- a tiny llama.cpp model
# The vocabulary is bytes and a few words, so a prompt is about a token per character: the five passages
# and the question need several thousand. A longer prompt than the context makes llama-cpp-python's
# server end the stream empty after its 200 headers. (One layer of 64 wide: the cache is still ~4 MB.)
LLAMA_CONTEXT = 16384
def write_tiny_llama(path: Path) -> None:
    """A one-layer Llama with random weights and a byte-level SentencePiece vocabulary, in GGUF: enough
    for llama.cpp to load it and stream tokens (the words are noise; the test checks the streaming)."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    n_embd, n_ff, n_head, n_layer = 64, 128, 4, 1
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + \
             ["\u2581" + w for w in "the ridge point roofline memory bandwidth compute bound".split()]
    types = [2, 3, 3] + [6] * 256 + [1] * (len(tokens) - 259)
    vocab = len(tokens)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(LLAMA_CONTEXT)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head)
    w.add_rope_dimension_count(n_embd // n_head)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    def tensor(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    tensor("token_embd.weight", vocab, n_embd)
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    tensor("output.weight", vocab, n_embd)
    for i in range(n_layer):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            tensor(f"blk.{i}.{name}.weight", n_embd, n_embd)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        tensor(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


@contextlib.contextmanager
def llama_server(model: Path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", str(LLAMA_CONTEXT), "--chat_format", "llama-2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {proc.stdout.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(20)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("ask") / "project")
    result = run_build(root, cache=tmp_path_factory.mktemp("cache"))
    assert result.returncode == 0, result.stderr
    return root / "_site"


@pytest.fixture(scope="module")
def served(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def scripted():
    server = ScriptedServer()
    with server.running() as url:
        yield server, url


def _configure_and_ask(page, served: str, endpoint: str, key: str = "") -> None:
    page.goto(served + "vol1/alpha/alpha.html")
    page.locator("#companion-toggle").click()
    page.locator('.companion-tab[data-tab="ask"]').click()
    page.locator(".companion-settings summary").click()
    page.locator("#companion-endpoint").fill(endpoint)
    page.locator("#companion-key").fill(key)
    page.locator("#companion-save-settings").click()
    page.locator(".companion-settings [role=status]", has_text="Saved").wait_for()
    page.locator('.companion-tab[data-tab="ask"]').click()
    page.locator("#companion-ask-mode", has_text=endpoint).wait_for()  # filled once the setting is read
    page.locator("#companion-question").fill("What is the ridge point of a roofline?")
    page.locator("#companion-ask").click()


# ---------------------------------------------------------------- tests
def test_a_streamed_answer_cites_the_books_sections_and_sends_the_passages(browser, served, scripted):
    server, url = scripted
    with tab(browser, "desktop") as t:
        _configure_and_ask(t.page, served, url + "/ok/v1", key="sk-local-test")
        t.page.locator(".companion-status", has_text="Answer from").wait_for(timeout=20000)
        answer = t.page.locator(".companion-markdown")
        assert "where the roofline bends" in answer.inner_text()
        cite = answer.locator("a").first
        assert cite.inner_text() == "[1]" and "#p-" in cite.get_attribute("href")
        sources = [a.get_attribute("href") for a in t.page.locator(".companion-sources a").all()]
        assert sources and all("#p-" in s for s in sources)
        sent = server.requests[-1]
        assert sent["authorization"] == "Bearer sk-local-test" and sent["body"]["stream"] is True
        user = sent["body"]["messages"][-1]["content"]
        assert "What is the ridge point" in user and "[1]" in user and "Rooflines" in user
        assert t.errors == [] and t.external == []


def test_a_slow_server_streams_piece_by_piece(browser, served, scripted):
    _server, url = scripted
    with tab(browser, "desktop") as t:
        _configure_and_ask(t.page, served, url + "/slow/v1")
        t.page.locator(".companion-status", has_text="answering").wait_for(timeout=10000)
        t.page.wait_for_function("() => document.querySelector('.companion-markdown').textContent.trim().length > 0",
                                 timeout=10000)
        partial = t.page.locator(".companion-markdown").inner_text()
        assert "roofline bends" not in partial, "the whole answer arrived at once; it should stream"
        assert t.page.locator(".companion-status").inner_text().startswith("The model is answering")
        t.page.locator(".companion-status", has_text="Answer from").wait_for(timeout=20000)
        assert "roofline bends" in t.page.locator(".companion-markdown").inner_text()
        assert t.errors == [] and t.external == []


def test_a_failing_or_absent_server_gets_a_clear_message_and_the_books_passages(browser, served, scripted):
    _server, url = scripted
    with tab(browser, "desktop") as t:
        _configure_and_ask(t.page, served, url + "/fail/v1")
        status = t.page.locator(".companion-status.companion-error")
        status.wait_for(timeout=10000)
        assert "HTTP 500" in status.inner_text() and "model crashed" in status.inner_text()
        assert t.page.locator(".companion-sources a").count() > 0
        _configure_and_ask(t.page, served, f"http://127.0.0.1:{_free_port()}/v1")
        status = t.page.locator(".companion-status.companion-error")
        status.wait_for(timeout=10000)
        assert "could not reach" in status.inner_text()


def test_hostile_markup_in_an_answer_is_rendered_inert(browser, served, scripted):
    _server, url = scripted
    with tab(browser, "desktop") as t:
        _configure_and_ask(t.page, served, url + "/hostile/v1")
        t.page.locator(".companion-status", has_text="Answer from").wait_for(timeout=20000)
        answer = t.page.locator(".companion-markdown")
        assert "The ridge point" in answer.locator("strong").inner_text()
        found = answer.evaluate("""a => ({
          tags: [...a.querySelectorAll('script, img, iframe, style, object, embed, link')].map(e => e.tagName),
          handlers: [...a.querySelectorAll('*')].flatMap(e => [...e.attributes].map(x => x.name)).filter(n => n.startsWith('on')),
          hrefs: [...a.querySelectorAll('a')].map(e => e.getAttribute('href')) })""")
        assert found["tags"] == [] and found["handlers"] == []
        assert all(h.startswith("http://127.0.0.1") for h in found["hrefs"]), found["hrefs"]
        t.page.wait_for_timeout(500)
        assert t.page.evaluate("window.__pwned") is None
        assert t.external == [], f"the answer made the page load {t.external}"
        assert t.page.evaluate("getComputedStyle(document.body).display") != "none"


def test_a_real_llama_cpp_server_streams_an_answer(browser, served, tmp_path):
    try:
        import llama_cpp.server  # noqa: F401
        import gguf  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"llama-cpp-python's server is not installed here ({exc}): CMAKE_ARGS=-DGGML_NATIVE=OFF "
                    ".venv/bin/pip install -e '.[llm]' compiles llama.cpp from source (about 10 minutes on two cores)")
    model = tmp_path / "tiny-llama.gguf"
    write_tiny_llama(model)
    with llama_server(model) as endpoint, tab(browser, "desktop") as t:
        _configure_and_ask(t.page, served, endpoint)
        t.page.locator(".companion-status", has_text="Answer from").wait_for(timeout=120000)
        assert t.page.locator(".companion-sources a").count() > 0
        # the model's words are noise, but they arrived: streamed, parsed and sanitized into the panel
        assert t.page.locator(".companion-markdown").evaluate("e => e.textContent.trim().length") > 0
        assert t.errors == [] and t.external == []
